package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/store"
)

// TestInstanceTypesCommands: list prints the built-in catalogue until one
// is loaded, load replaces it with a file's (or standard input's) and
// refuses a bad file whole, saying everything wrong with it, and the
// services see what was loaded.
func TestInstanceTypesCommands(t *testing.T) {
	dir := t.TempDir()
	decode(t, cli(t, "account", "create", "--name", "operator", "--data", dir), &newAccount{})

	var listed instanceTypesFile
	decode(t, cli(t, "instance-types", "list", "--data", dir), &listed)
	defaults := catalog.DefaultInstanceTypes()
	current := true
	if len(listed.InstanceTypes) != len(defaults) ||
		!cmp.Equal(listed.InstanceTypes[0], instanceTypeJSON{"t3.nano", 2, 512, "0.0052", []string{"x86_64"}, &current}) {
		t.Fatalf("list before any load: %d types, first %+v; want the %d defaults", len(listed.InstanceTypes), listed.InstanceTypes[0], len(defaults))
	}

	file := filepath.Join(t.TempDir(), "types.json")
	want := instanceTypesFile{InstanceTypes: []instanceTypeJSON{
		{"m9.large", 2, 8192, "0.50", nil, nil}, {"m9.xlarge", 4, 16384, "1.000001", []string{"arm64"}, &current},
	}}
	writeJSON(t, file, `{"InstanceTypes": [
		{"Name": "m9.large", "VCpus": 2, "MemoryMiB": 8192, "BaseHourly": "0.5"},
		{"Name": "m9.xlarge", "VCpus": 4, "MemoryMiB": 16384, "BaseHourly": "1.000001", "Architectures": ["arm64"], "CurrentGeneration": true}]}`)
	var loaded struct{ Loaded int }
	decode(t, cli(t, "instance-types", "load", file, "--data", dir), &loaded)
	if loaded.Loaded != 2 {
		t.Errorf("load printed %+v, want 2 loaded", loaded)
	}
	listed = instanceTypesFile{}
	decode(t, cli(t, "instance-types", "list", "--data", dir), &listed)
	if d := cmp.Diff(want, listed); d != "" {
		t.Errorf("list after load mismatch (-want +got):\n%s", d)
	}

	// What list prints, load reads back, from standard input too.
	var stdout, stderr bytes.Buffer
	t.Setenv("TOLLGATE_DATA", "")
	code := runWithInput(t.Context(), []string{"instance-types", "load", "-", "--data", dir},
		strings.NewReader(`{"InstanceTypes":[{"Name":"m9.large","VCpus":2,"MemoryMiB":8192,"BaseHourly":"0.50"}]}`), &stdout, &stderr)
	if code != exitOK || strings.TrimSpace(stdout.String()) != "{\n  \"Loaded\": 1\n}" {
		t.Errorf("load from standard input: exit %d, %q %q", code, stdout.String(), stderr.String())
	}

	// The catalog service reads what was loaded.
	a, err := app.OpenAdmin(t.Context(), app.Config{Store: store.Config{DataDir: dir}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Catalog.CreateProduct(t.Context(), "123456789012", catalog.CreateProductInput{Name: "x", Kind: "paid-image",
		InstanceTypes: []string{"m9.large", "m5.large"}, Pricing: catalog.PricingInput{Hourly: map[string]string{"m9.large": "1"}}})
	a.Close()
	if fe := fault.As(err); len(fe.Fields) != 1 || fe.Fields[0].Code != "unknown_instance_type" || fe.Fields[0].Field != "InstanceTypes[1]" {
		t.Errorf("a product on a type the loaded catalogue lacks: %v", err)
	}

	for _, tc := range []struct{ name, file, want string }{
		{"EveryProblem", `{"InstanceTypes": [
			{"Name": "m9.large", "VCpus": 2, "MemoryMiB": 8192, "BaseHourly": "-1"},
			{"Name": "m9.large", "VCpus": 0, "MemoryMiB": 1, "BaseHourly": "0.1234567"},
			{"Name": "M9", "VCpus": 1, "MemoryMiB": 1, "BaseHourly": "1", "Architectures": ["arm64", "sparc", "arm64"]}]}`,
			"is invalid: InstanceTypes[0].BaseHourly must not be negative; InstanceTypes[1].Name repeats m9.large; " +
				"InstanceTypes[1].VCpus must be from 1 to 4096, not 0; " +
				"InstanceTypes[1].BaseHourly has 7 decimal places; at most 6 are allowed (USD prices are exact to 0.000001); " +
				`InstanceTypes[2].Name must be an instance type name such as m5.large, not "M9"; ` +
				`InstanceTypes[2].Architectures[1] must be one of i386, x86_64, arm64, x86_64_mac, arm64_mac, not "sparc"; ` +
				`InstanceTypes[2].Architectures[2] repeats arm64`},
		{"Empty", `{"InstanceTypes": []}`, "is invalid: InstanceTypes needs at least one instance type"},
		{"UnknownField", `{"InstanceTypes": [{"Name": "m9.large", "Cores": 2}]}`, `is not an instance-types file: unknown field "Cores"`},
		{"WrongType", `{"InstanceTypes": [{"Name": "m9.large", "VCpus": "2"}]}`, "is not an instance-types file: InstanceTypes.VCpus must be a whole number, not a JSON string"},
		{"PriceAsNumber", `{"InstanceTypes": [{"Name": "m9.large", "BaseHourly": 0.5}]}`, `is not an instance-types file: InstanceTypes.BaseHourly must be a string, such as "0.096", not a JSON number`},
		{"ArchitectureNotAList", `{"InstanceTypes": [{"Name": "m9.large", "Architectures": "arm64"}]}`, "is not an instance-types file: InstanceTypes.Architectures must be a list of strings, not a JSON string"},
		{"NotAnObject", `[]`, "is not an instance-types file: it must be an object with InstanceTypes"},
		{"Truncated", `{"InstanceTypes": [`, "is not an instance-types file: unexpected EOF"},
		{"Trailing", `{"InstanceTypes": [{"Name": "m9.large", "VCpus": 2, "MemoryMiB": 1, "BaseHourly": "1"}]} {}`, "is not an instance-types file: it has more after its one JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeJSON(t, file, tc.file)
			wantFailure(t, cli(t, "instance-types", "load", file, "--data", dir), "tollgate: "+file+" "+tc.want)
			listed = instanceTypesFile{}
			decode(t, cli(t, "instance-types", "list", "--data", dir), &listed)
			if len(listed.InstanceTypes) != 1 || listed.InstanceTypes[0].Name != "m9.large" {
				t.Errorf("a refused load changed the catalogue: %+v", listed)
			}
		})
	}
	wantFailure(t, cli(t, "instance-types", "load", filepath.Join(dir, "missing.json"), "--data", dir),
		"cannot read "+filepath.Join(dir, "missing.json")+": no such file or directory")
	wantFailure(t, cli(t, "instance-types", "load", "-", "--data", dir), "standard input is not an instance-types file: EOF")
}

func writeJSON(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
