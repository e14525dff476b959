package licensemanager_test

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/awsapi/licensemanager"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// fuzzSeeds are FuzzOperations' seed bodies.
var fuzzSeeds = []string{
	`{}`, `{"ClientToken":"t","ProductSKU":"sku","CheckoutType":"PROVISIONAL","KeyFingerprint":"aws:1:Self:issuer-fingerprint","Entitlements":[{"Name":"a","Value":"1","Unit":"Count"}]}`,
	`{"LicenseArn":"arn:aws:license-manager::123456789012:license:l-00000000000000000000000000000000"}`,
	`{"LicenseName":"n","ProductName":"p","ProductSKU":"s","Issuer":{"Name":"Self"},"HomeRegion":"us-east-1","Validity":{"Begin":"2024-01-01T00:00:00Z"},"Entitlements":[{"Name":"e","MaxCount":5,"Unit":"Count"}],"Beneficiary":"1","ConsumptionConfiguration":{"ProvisionalConfiguration":{"MaxTimeToLiveInMinutes":60}},"ClientToken":"c"}`,
	`{"GrantArn":"arn:aws:license-manager::123456789012:grant:g-00000000000000000000000000000000","Status":"ACTIVE","ClientToken":"x"}`,
	`{"Filters":[{"Name":"ProductSKU","Values":["a"]}],"MaxResults":0,"NextToken":"!!"}`,
	`{"LicenseConsumptionToken":"abc","DryRun":true}`, `[]`, `null`, `{"MaxResults":"ten"}`, `{"Entitlements":[{"Value":1}]}`,
}

// operationsHandler is a server in emulator mode on a fresh store.
func operationsHandler(tb testing.TB, cfg store.Config) http.Handler {
	a, err := app.Open(context.Background(), app.Config{Store: cfg, Auth: app.AuthEmulator, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close() })
	return a.Handler
}

// sendOperation sends body to the operation numbered op and fails on a
// server error.
func sendOperation(t *testing.T, h http.Handler, ops []string, op uint8, body []byte) {
	t.Helper()
	name := ops[int(op)%len(ops)]
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSLicenseManager."+name)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Errorf("%s with body %q: HTTP %d: %s", name, body, rec.Code, rec.Body.String())
	}
}

// FuzzOperations sends arbitrary JSON bodies to every License Manager
// operation: whatever the body, the answer is a client error or a success,
// never a server error or a crash.
func FuzzOperations(f *testing.F) {
	ops := operationNames()
	for i, s := range fuzzSeeds {
		f.Add(uint8(i), []byte(s))
	}
	h := operationsHandler(f, store.Config{DataDir: f.TempDir()})
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		sendOperation(t, h, ops, op, body)
	})
}

// TestOperationsCorpusPostgres replays FuzzOperations' seeds and saved
// corpus against a server on PostgreSQL, which refuses some values SQLite
// stores (a NUL character): the answers must be client errors there too.
func TestOperationsCorpusPostgres(t *testing.T) {
	h := operationsHandler(t, store.Config{DatabaseURL: storetest.PostgresSchema(t, storetest.PostgresURL(t))})
	ops := operationNames()
	for i, s := range fuzzSeeds {
		sendOperation(t, h, ops, uint8(i), []byte(s))
	}
	files, err := filepath.Glob("testdata/fuzz/FuzzOperations/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no saved corpus (%v)", err)
	}
	for _, file := range files {
		op, body := readCorpusEntry(t, file)
		sendOperation(t, h, ops, op, body)
	}
	t.Logf("%d seeds and %d saved inputs", len(fuzzSeeds), len(files))
}

// readCorpusEntry reads one saved input of FuzzOperations: "go test fuzz
// v1", then a byte or uint8 and a []byte, each a Go expression.
func readCorpusEntry(t *testing.T, file string) (uint8, []byte) {
	t.Helper()
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	if len(lines) != 3 || lines[0] != "go test fuzz v1" {
		t.Fatalf("%s: not a corpus entry of two values", file)
	}
	literal := func(line string) string {
		expr, err := parser.ParseExpr(line)
		call, ok := expr.(*ast.CallExpr)
		if err != nil || !ok || len(call.Args) != 1 {
			t.Fatalf("%s: %q is not a conversion of a literal", file, line)
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok {
			t.Fatalf("%s: %q is not a conversion of a literal", file, line)
		}
		return lit.Value
	}
	var op uint8
	switch v := literal(lines[1]); {
	case strings.HasPrefix(v, "'"):
		r, _, _, err := strconv.UnquoteChar(v[1:len(v)-1], '\'')
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		op = uint8(r)
	default:
		n, err := strconv.ParseUint(v, 0, 8)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		op = uint8(n)
	}
	body, err := strconv.Unquote(literal(lines[2]))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return op, []byte(body)
}

func operationNames() []string {
	var names []string
	for name := range licensemanager.Service(nil).Operations {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
