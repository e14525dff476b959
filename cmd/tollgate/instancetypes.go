package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/money"
)

// instanceTypesFile is the file "instance-types load" reads and "list"
// prints: the operator's catalogue, its amounts as decimal strings.
type instanceTypesFile struct {
	InstanceTypes []instanceTypeJSON
}

type instanceTypeJSON struct {
	Name              string
	VCpus             int
	MemoryMiB         int
	BaseHourly        string
	Architectures     []string `json:",omitempty"`
	CurrentGeneration *bool    `json:",omitempty"`
}

// maxInstanceTypesFile bounds the file read: far more than the most types
// a catalogue may hold need.
const maxInstanceTypesFile = 4 << 20

const instanceTypesFormat = `
The file is JSON, one object with a list of instance types:

  {"InstanceTypes": [
    {"Name": "m5.large", "VCpus": 2, "MemoryMiB": 8192, "BaseHourly": "0.096",
     "Architectures": ["x86_64"], "CurrentGeneration": true},
    {"Name": "c5.xlarge", "VCpus": 4, "MemoryMiB": 8192, "BaseHourly": "0.17"}]}

Name is family.size (lowercase letters, digits and '-'), each listed once;
VCpus is 1 to 4096, MemoryMiB 1 to 67108864 (64 TiB); BaseHourly is the
platform's own price per instance-hour, the compute cost the fee model
subtracts from a seller's revenue: a decimal string with at most six
places, not negative. Architectures (i386, x86_64, arm64, x86_64_mac,
arm64_mac) and CurrentGeneration may be left out: DescribeInstanceTypes then
says nothing of them, and its filters on them do not match the type. At most
2000 types; unknown fields are refused.`

func instanceTypesCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "instance-types", Annotations: tree, Short: "load and list the operator's catalogue of instance types",
		Long: `Load and list the catalogue of instance types: the types products may run
on. Until one is loaded, the built-in default list of common types is used.`}
	load := adminCommand(&cobra.Command{
		Use:   "load FILE [flags]",
		Short: "replace the catalogue of instance types with those in FILE",
		Long: `Replace the catalogue of instance types with those in FILE ("-" reads
standard input), and print {"Loaded": N}. The whole file is checked first, and
every problem is reported; nothing is loaded unless all of it is valid.
Products keep the instance types they list; products created or updated
afterwards are checked against the new catalogue. A running server uses it
at once.
` + instanceTypesFormat + storeNote,
		Example: `  tollgate instance-types list > types.json   # start from the current list
  tollgate instance-types load types.json`,
	}, argSpec{names: []string{"FILE"}, wrong: `instance-types load takes one FILE, or "-" for standard input`}, mustExist,
		func(cmd *cobra.Command, a *app.App, args []string) error {
			types, err := readInstanceTypes(cmd.InOrStdin(), args[0])
			if err != nil {
				return err
			}
			if err := a.Catalog.LoadInstanceTypes(cmd.Context(), types); err != nil {
				return fileProblems(fileName(args[0]), err)
			}
			return printJSON(cmd.OutOrStdout(), struct{ Loaded int }{len(types)})
		})

	list := adminCommand(&cobra.Command{
		Use:   "list [flags]",
		Short: "print the catalogue of instance types as JSON",
		Long: `Print the catalogue of instance types in the format "instance-types load"
reads: the loaded catalogue, or the built-in default list if none was loaded.` + storeNote,
	}, argSpec{}, mustExist, func(cmd *cobra.Command, a *app.App, _ []string) error {
		types, err := a.Catalog.InstanceTypes(cmd.Context())
		if err != nil {
			return err
		}
		out := instanceTypesFile{InstanceTypes: make([]instanceTypeJSON, 0, len(types))}
		for _, t := range types {
			out.InstanceTypes = append(out.InstanceTypes, instanceTypeJSON{t.Name, t.VCPUs, t.MemoryMiB, t.BaseHourly.String(),
				t.Architectures, t.CurrentGeneration})
		}
		return printJSON(cmd.OutOrStdout(), out)
	})
	cmd.AddCommand(load, list)
	return cmd
}

// fileName is how messages name the file at path: "-" is standard input.
func fileName(path string) string {
	if path == "-" {
		return "standard input"
	}
	return path
}

// readInstanceTypes reads and checks an instance-types file ("-" is stdin).
func readInstanceTypes(stdin io.Reader, path string) ([]catalog.InstanceType, error) {
	name := fileName(path)
	raw, err := readInput(stdin, path, maxInstanceTypesFile)
	if err != nil {
		return nil, err
	}
	var file instanceTypesFile
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fault.New(fault.Invalid, "%s is not an instance-types file: %s", name, jsonProblem(err))
	}
	if dec.More() {
		return nil, fault.New(fault.Invalid, "%s is not an instance-types file: it has more after its one JSON object", name)
	}
	types, problems := parseInstanceTypes(file)
	if err := catalog.ValidateInstanceTypes(types); err != nil {
		problems = append(slices.Clone(fault.As(err).Fields), problems...)
	}
	if len(problems) > 0 {
		return nil, fileProblems(name, fault.InvalidFields(byItem(problems)))
	}
	return types, nil
}

// parseInstanceTypes maps the file's types to the catalog's, reporting the
// base prices that are not amounts.
func parseInstanceTypes(file instanceTypesFile) ([]catalog.InstanceType, []fault.FieldError) {
	var problems []fault.FieldError
	types := make([]catalog.InstanceType, 0, len(file.InstanceTypes))
	for i, t := range file.InstanceTypes {
		price, err := money.Parse(t.BaseHourly)
		var pe *money.ParseError
		if errors.As(err, &pe) {
			problems = append(problems, fault.FieldError{Field: fmt.Sprintf("InstanceTypes[%d].BaseHourly", i), Code: pe.Code, Message: pe.Message})
		}
		types = append(types, catalog.InstanceType{Name: t.Name, VCPUs: t.VCpus, MemoryMiB: t.MemoryMiB, BaseHourly: price,
			Architectures: t.Architectures, CurrentGeneration: t.CurrentGeneration})
	}
	return types, problems
}

var (
	itemIndex  = regexp.MustCompile(`^InstanceTypes\[(\d+)\]`)
	imageIndex = regexp.MustCompile(`^Images\[(\d+)\]`)
)

// byItem orders problems by the item they are about, keeping the order of
// each item's own.
func byItem(problems []fault.FieldError) []fault.FieldError { return byIndex(problems, itemIndex) }

// byIndex orders problems by the index in their field that pattern's
// first group matches, keeping the order of each index's own.
func byIndex(problems []fault.FieldError, pattern *regexp.Regexp) []fault.FieldError {
	index := func(f fault.FieldError) int {
		m := pattern.FindStringSubmatch(f.Field)
		if m == nil {
			return -1
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	slices.SortStableFunc(problems, func(a, b fault.FieldError) int { return index(a) - index(b) })
	return problems
}

// fileProblems rewrites an error that lists fields as one line naming each,
// for the command line.
func fileProblems(path string, err error) error {
	fe := fault.As(err)
	if len(fe.Fields) == 0 {
		return err
	}
	parts := make([]string, 0, len(fe.Fields))
	for _, f := range fe.Fields {
		parts = append(parts, f.Field+" "+f.Message)
	}
	return fault.New(fault.Invalid, "%s is invalid: %s", path, strings.Join(parts, "; "))
}

// jsonProblem says what is wrong with a file's JSON in the file's terms.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := map[string]string{"int": "a whole number", "string": "a string, such as \"0.096\"", "[]main.instanceTypeJSON": "a list",
			"[]string": "a list of strings", "bool": "true or false"}[te.Type.String()]
		if want == "" {
			want = "an object"
		}
		if te.Field == "" {
			return "it must be an object with InstanceTypes"
		}
		return fmt.Sprintf("%s must be %s, not a JSON %s", te.Field, want, te.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
