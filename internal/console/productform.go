package console

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
)

// The product registration form: the values as typed, turned into a
// catalog.CreateProductInput, and the catalog's field errors (named by
// their path in that input, "Pricing.Hourly.m5.large") turned back into the
// inputs they belong next to.

// formDurations are the contract durations the form offers, the public
// ones the catalog accepts.
var formDurations = []catalog.Duration{"P1M", "P12M", "P24M", "P36M"}

// Rows the form starts with, and how many "More rows" adds; at most
// maxRows of each.
const (
	startTypeRows  = 4
	startUsageRows = 2
	startDimRows   = 2
	startTierRows  = 2
	moreRows       = 2
	maxRows        = 48
)

type typeRow struct{ Name, Hourly, Annual string }

type usageRow struct{ Dimension, Unit, Price string }

type dimRow struct {
	Name, Unit, Type string
	Floating         bool
	Price            map[catalog.Duration]string
}

type tierRow struct {
	Dimension, Tier string
	Price           map[catalog.Duration]string
}

// fieldMessage is one error as the summary lists it: the input it belongs
// to (its id), a label for people and the catalog's message.
type fieldMessage struct {
	Input, Label, Message string
}

// productForm is the registration form's state.
type productForm struct {
	Name, Kind, Description, ReturnURL   string
	SignUpFee, MonthlyFee, FreeTrialDays string

	Types     []typeRow
	Usage     []usageRow
	Durations map[catalog.Duration]bool
	Dims      []dimRow
	Tiers     []tierRow

	// Errors are the messages shown under each input, by input id;
	// Summary lists every error at the top of the form.
	Errors  map[string][]string
	Summary []fieldMessage

	// InstanceTypes are the catalogue's names, offered as suggestions.
	InstanceTypes []string
	Kinds         []catalog.Kind
	AllDurations  []catalog.Duration

	// targets maps a path of the catalog's input to the input id that
	// shows its errors, and labels names each input id for people.
	targets map[string]string
	labels  map[string]string
}

func newProductForm() *productForm {
	f := &productForm{Kind: string(catalog.PaidImage), Durations: map[catalog.Duration]bool{}}
	f.grow(startTypeRows, startUsageRows, startDimRows, startTierRows)
	return f
}

// grow adds empty rows up to the given counts.
func (f *productForm) grow(types, usage, dims, tiers int) {
	for len(f.Types) < min(types, maxRows) {
		f.Types = append(f.Types, typeRow{})
	}
	for len(f.Usage) < min(usage, catalog.MaxDimensions) {
		f.Usage = append(f.Usage, usageRow{})
	}
	for len(f.Dims) < min(dims, catalog.MaxDimensions) {
		f.Dims = append(f.Dims, dimRow{Type: string(catalog.Configurable), Price: map[catalog.Duration]string{}})
	}
	for len(f.Tiers) < min(tiers, maxRows) {
		f.Tiers = append(f.Tiers, tierRow{Price: map[catalog.Duration]string{}})
	}
}

// readProductForm reads a posted form. Row counts come from the form's
// own hidden fields, bounded, so that a crafted post cannot make the page
// render without end.
func readProductForm(v url.Values) *productForm {
	f := newProductForm()
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	f.Name, f.Kind, f.Description, f.ReturnURL = get("Name"), get("Kind"), v.Get("Description"), get("ReturnURL")
	f.SignUpFee, f.MonthlyFee, f.FreeTrialDays = get("SignUpFee"), get("MonthlyFee"), get("FreeTrialDays")
	count := func(k string, start, most int) int {
		n, err := strconv.Atoi(v.Get(k))
		if err != nil || n < start {
			return start
		}
		return min(n, most)
	}
	f.grow(count("rows.type", startTypeRows, maxRows), count("rows.usage", startUsageRows, catalog.MaxDimensions),
		count("rows.dim", startDimRows, catalog.MaxDimensions), count("rows.tier", startTierRows, maxRows))
	for i := range f.Types {
		p := fmt.Sprintf("type.%d.", i)
		f.Types[i] = typeRow{get(p + "name"), get(p + "hourly"), get(p + "annual")}
	}
	for i := range f.Usage {
		p := fmt.Sprintf("usage.%d.", i)
		f.Usage[i] = usageRow{get(p + "dimension"), get(p + "unit"), get(p + "price")}
	}
	for _, d := range v["duration"] {
		f.Durations[catalog.Duration(d)] = true
	}
	for i := range f.Dims {
		p := fmt.Sprintf("dim.%d.", i)
		f.Dims[i] = dimRow{Name: get(p + "name"), Unit: get(p + "unit"), Type: get(p + "type"),
			Floating: v.Get(p+"floating") != "", Price: map[catalog.Duration]string{}}
		for _, d := range formDurations {
			f.Dims[i].Price[d] = get(p + "price." + string(d))
		}
	}
	for i := range f.Tiers {
		p := fmt.Sprintf("tier.%d.", i)
		f.Tiers[i] = tierRow{Dimension: get(p + "dimension"), Tier: get(p + "name"), Price: map[catalog.Duration]string{}}
		for _, d := range formDurations {
			f.Tiers[i].Price[d] = get(p + "price." + string(d))
		}
	}
	return f
}

// input returns the catalog input the form describes, and records which
// input id shows the errors of each path. Problems the catalog cannot see
// (a free trial that is not a number) are added to the form's errors.
func (f *productForm) input() catalog.CreateProductInput {
	f.targets, f.labels = map[string]string{}, map[string]string{}
	f.target("Name", "Name", "Name")
	f.target("Kind", "Kind", "Kind")
	f.target("Description", "Description", "Description")
	f.target("ReturnURL", "ReturnURL", "Return URL")
	f.target("Pricing.SignUpFee", "SignUpFee", "Sign-up fee")
	f.target("Pricing.MonthlyFee", "MonthlyFee", "Monthly fee")
	f.target("Pricing.FreeTrialDays", "FreeTrialDays", "Free trial")
	f.target("InstanceTypes", "type.0.name", "Instance types")
	f.target("Pricing.Hourly", "type.0.hourly", "Hourly prices")
	f.target("Pricing.Annual", "type.0.annual", "Annual prices")
	f.target("Pricing.Usage", "usage.0.dimension", "Usage dimensions")
	f.target("Pricing.Contract", "duration-P1M", "Contract")
	f.target("Pricing.Contract.Durations", "duration-P1M", "Contract durations")
	f.target("Pricing.Contract.Dimensions", "dim.0.name", "Contract dimensions")

	in := catalog.CreateProductInput{Name: f.Name, Kind: f.Kind, Description: f.Description, ReturnURL: f.ReturnURL,
		Pricing: catalog.PricingInput{SignUpFee: f.SignUpFee, MonthlyFee: f.MonthlyFee}}
	if f.FreeTrialDays != "" {
		n, err := strconv.Atoi(f.FreeTrialDays)
		if err != nil {
			f.addError("FreeTrialDays", "must be a whole number of days, such as 14")
		}
		in.Pricing.FreeTrialDays = n
	}
	f.typesInput(&in)
	f.usageInput(&in)
	f.contractInput(&in)
	return in
}

func (f *productForm) typesInput(in *catalog.CreateProductInput) {
	for i, r := range f.Types {
		if r.Name == "" && r.Hourly == "" && r.Annual == "" {
			continue
		}
		f.target(fmt.Sprintf("InstanceTypes[%d]", len(in.InstanceTypes)), fmt.Sprintf("type.%d.name", i), "Instance type "+quoted(r.Name))
		in.InstanceTypes = append(in.InstanceTypes, r.Name)
		if r.Hourly != "" {
			if in.Pricing.Hourly == nil {
				in.Pricing.Hourly = map[string]string{}
			}
			in.Pricing.Hourly[r.Name] = r.Hourly
		}
		if r.Annual != "" {
			if in.Pricing.Annual == nil {
				in.Pricing.Annual = map[string]string{}
			}
			in.Pricing.Annual[r.Name] = r.Annual
		}
		f.target("Pricing.Hourly."+r.Name, fmt.Sprintf("type.%d.hourly", i), "Hourly price of "+quoted(r.Name))
		f.target("Pricing.Annual."+r.Name, fmt.Sprintf("type.%d.annual", i), "Annual price of "+quoted(r.Name))
	}
}

func (f *productForm) usageInput(in *catalog.CreateProductInput) {
	for i, r := range f.Usage {
		if r == (usageRow{}) {
			continue
		}
		path := fmt.Sprintf("Pricing.Usage[%d]", len(in.Pricing.Usage))
		in.Pricing.Usage = append(in.Pricing.Usage, catalog.UsageDimensionInput{Dimension: r.Dimension, Unit: r.Unit, Price: r.Price})
		f.target(path, fmt.Sprintf("usage.%d.dimension", i), "Usage dimension "+quoted(r.Dimension))
		f.target(path+".Dimension", fmt.Sprintf("usage.%d.dimension", i), "Usage dimension name")
		f.target(path+".Unit", fmt.Sprintf("usage.%d.unit", i), "Unit of "+quoted(r.Dimension))
		f.target(path+".Price", fmt.Sprintf("usage.%d.price", i), "Price of "+quoted(r.Dimension))
	}
}

// contractInput adds the contract's prices when the product is a contract
// or the seller filled in any of them; Tiered dimensions take their tiers
// from the tier rows that name them.
func (f *productForm) contractInput(in *catalog.CreateProductInput) {
	used := f.Kind == string(catalog.Contract) || len(f.Durations) > 0
	for _, d := range f.Dims {
		used = used || d.Name != ""
	}
	if !used {
		return
	}
	c := &catalog.ContractPricingInput{}
	for _, d := range formDurations {
		if f.Durations[d] {
			f.target(fmt.Sprintf("Pricing.Contract.Durations[%d]", len(c.Durations)), "duration-"+string(d), "Duration "+string(d))
			c.Durations = append(c.Durations, string(d))
		}
	}
	for i, d := range f.Dims {
		if d.Name == "" && d.Unit == "" && !hasPrice(d.Price) {
			continue
		}
		path := fmt.Sprintf("Pricing.Contract.Dimensions[%d]", len(c.Dimensions))
		dim := catalog.ContractDimensionInput{Name: d.Name, Unit: d.Unit, Type: d.Type, Floating: d.Floating}
		row := fmt.Sprintf("dim.%d.", i)
		f.target(path, row+"name", "Contract dimension "+quoted(d.Name))
		f.target(path+".Name", row+"name", "Name of contract dimension")
		f.target(path+".Unit", row+"unit", "Unit of "+quoted(d.Name))
		f.target(path+".Type", row+"type", "Type of "+quoted(d.Name))
		f.target(path+".Floating", row+"type", "Floating "+quoted(d.Name))
		f.target(path+".Price", row+"price.P1M", "Prices of "+quoted(d.Name))
		for _, dur := range formDurations {
			if p := d.Price[dur]; p != "" {
				if dim.Price == nil {
					dim.Price = map[string]string{}
				}
				dim.Price[string(dur)] = p
			}
			f.target(path+".Price."+string(dur), row+"price."+string(dur), quoted(d.Name)+" price for "+durationLabel(dur))
		}
		f.tiersInput(&dim, path, i)
		c.Dimensions = append(c.Dimensions, dim)
	}
	in.Pricing.Contract = c
}

// tiersInput gives a dimension the tier rows that name it.
func (f *productForm) tiersInput(d *catalog.ContractDimensionInput, path string, dimRowIndex int) {
	f.target(path+".Tiers", fmt.Sprintf("dim.%d.type", dimRowIndex), "Tiers of "+quoted(d.Name))
	for i, t := range f.Tiers {
		if t.Dimension == "" || t.Dimension != d.Name {
			continue
		}
		if d.Tiers == nil {
			d.Tiers = map[string]map[string]string{}
		}
		prices := map[string]string{}
		for _, dur := range formDurations {
			if p := t.Price[dur]; p != "" {
				prices[string(dur)] = p
			}
			f.target(path+".Tiers."+t.Tier+"."+string(dur), fmt.Sprintf("tier.%d.price.%s", i, dur), "Tier "+quoted(t.Tier)+" price for "+durationLabel(dur))
		}
		d.Tiers[t.Tier] = prices
		f.target(path+".Tiers."+t.Tier, fmt.Sprintf("tier.%d.name", i), "Tier "+quoted(t.Tier))
	}
}

func hasPrice(m map[catalog.Duration]string) bool {
	for _, p := range m {
		if p != "" {
			return true
		}
	}
	return false
}

func quoted(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return s
}

func (f *productForm) target(path, input, label string) {
	f.targets[path] = input
	f.labels[input+"|"+path] = label
}

// addError records an error found by the form itself.
func (f *productForm) addError(input, message string) {
	if f.Errors == nil {
		f.Errors = map[string][]string{}
	}
	f.Errors[input] = append(f.Errors[input], message)
	label := map[string]string{"FreeTrialDays": "Free trial"}[input]
	f.Summary = append(f.Summary, fieldMessage{Input: input, Label: label, Message: message})
}

// showErrors places the catalog's field errors: each next to the input of
// the longest path that is its own or an ancestor of it, and all of them in
// the summary. An error of a field the form has no input for is in the
// summary only, under its path.
func (f *productForm) showErrors(err error) {
	if f.Errors == nil {
		f.Errors = map[string][]string{}
	}
	for _, fe := range fault.As(err).Fields {
		input, label := f.place(fe.Field)
		if input != "" {
			f.Errors[input] = append(f.Errors[input], fe.Message)
		}
		f.Summary = append(f.Summary, fieldMessage{Input: input, Label: label, Message: fe.Message})
	}
}

func (f *productForm) place(field string) (input, label string) {
	paths := make([]string, 0, len(f.targets))
	for p := range f.targets {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool { return len(paths[i]) > len(paths[j]) })
	for _, p := range paths {
		if field == p || strings.HasPrefix(field, p+".") || strings.HasPrefix(field, p+"[") {
			input = f.targets[p]
			if field == p {
				return input, f.labels[input+"|"+p]
			}
			return input, field
		}
	}
	return "", field
}

// HasErrors reports whether input id has errors, for the templates.
func (f *productForm) HasErrors(input string) bool { return len(f.Errors[input]) > 0 }

// ErrorsOf returns input id's errors, for the templates.
func (f *productForm) ErrorsOf(input string) []string { return f.Errors[input] }

// DimPrice and TierPrice read a row's price for a duration, for the
// templates.
func (r dimRow) DimPrice(d catalog.Duration) string   { return r.Price[d] }
func (r tierRow) TierPrice(d catalog.Duration) string { return r.Price[d] }

// Checked reports whether a duration is ticked.
func (f *productForm) Checked(d catalog.Duration) bool { return f.Durations[d] }
