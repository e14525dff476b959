package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/money"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

const staticPrefix = "/console/static/"

// styleVersion is a hash of the stylesheet, added to its URL so that a new
// release's pages never use an old cached copy.
var styleVersion = func() string {
	b, err := staticFS.ReadFile("static/style.css")
	if err != nil {
		panic("console: stylesheet missing: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}()

// staticHandler serves the embedded stylesheet and images.
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix(staticPrefix, http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

// view is what every page template gets: the layout's fields and the
// page's own Data.
type view struct {
	Title   string
	Me      *account.Account // nil when nobody is signed in
	Section string           // the nav entry to mark: "home", "subscriptions", "products"
	Notice  string           // a one-line confirmation above the page
	Path    string           // the page's own path and query, for sign-in links that return here
	Data    any
}

// pages are the parsed templates, one per page, each with the layout.
type pages struct{ byName map[string]*template.Template }

// pageNames are the page templates, by file name without .html.
var pageNames = []string{"error", "signin", "home", "products", "product_new", "product", "purchase", "subscriptions"}

func parsePages() (*pages, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("console: parse the layout: %w", err)
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, path.Join("templates", name+".html"))
		if err != nil {
			return nil, fmt.Errorf("console: parse page %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// render writes a page: rendered whole into a buffer first, so that a
// template error becomes a clean error page, never half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	if v.Path == "" {
		v.Path = r.URL.RequestURI()
	}
	var buf bytes.Buffer
	if err := c.pages.byName[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		c.cfg.Log.ErrorContext(r.Context(), "console template failed", "page", name, "err", err)
		if name != "error" {
			c.errorPage(w, r, http.StatusInternalServerError, titleOf[http.StatusInternalServerError],
				"The page could not be shown. Try again in a moment.")
			return
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

var funcs = template.FuncMap{
	"money":        formatMoney,
	"date":         formatDate,
	"datetime":     formatDateTime,
	"duration":     durationLabel,
	"kind":         kindLabel,
	"styleVersion": func() string { return styleVersion },
	"signInURL":    signInURL,
	"add":          func(a, b int) int { return a + b },
	"priceList":    priceList,
}

// priceList writes prices by instance type: "m5.large $0.50, m5.xlarge
// $1.00", in name order.
func priceList(prices map[string]money.Amount) string {
	names := make([]string, 0, len(prices))
	for n := range prices {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + " " + formatMoney(prices[n])
	}
	return strings.Join(parts, ", ")
}

// formatMoney writes an amount in the operator's currency, its whole part
// in groups of three: "$3,000.00", "−$2.50", "$0.000125".
func formatMoney(a money.Amount) string {
	sign := ""
	if a < 0 {
		sign, a = "−", a.Neg()
	}
	s := a.String()
	whole, frac, _ := strings.Cut(s, ".")
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	if money.Currency != "USD" {
		return sign + whole + "." + frac + " " + money.Currency
	}
	return sign + "$" + whole + "." + frac
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2 Jan 2006")
}

func formatDateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

// durationLabel writes a contract duration for people: "P12M" is "12
// months".
func durationLabel(d catalog.Duration) string {
	s := string(d)
	if len(s) < 3 || s[0] != 'P' {
		return s
	}
	n, err := strconv.Atoi(s[1 : len(s)-1])
	if err != nil {
		return s
	}
	unit := map[byte]string{'M': "month", 'Y': "year"}[s[len(s)-1]]
	if unit == "" {
		return s
	}
	if n != 1 {
		unit += "s"
	}
	return strconv.Itoa(n) + " " + unit
}

// kindLabel names a product kind for people.
func kindLabel(k catalog.Kind) string {
	switch k {
	case catalog.PaidImage:
		return "Paid machine image"
	case catalog.SupportedImage:
		return "Supported image"
	case catalog.Contract:
		return "Contract"
	case catalog.SaaS:
		return "Software as a service"
	}
	return string(k)
}
