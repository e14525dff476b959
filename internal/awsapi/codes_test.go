package awsapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// codedLiterals returns the error codes that the non-test Go files of dir
// name in calls to fault.Coded, for tests that check a service's Errors (or
// the router's own codes) against the code.
func codedLiterals(t *testing.T, dir string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Coded" {
				return true
			}
			lit, ok := call.Args[1].(*ast.BasicLit)
			if !ok {
				t.Errorf("%s: fault.Coded with a code that is not a literal: metrics cannot know it", fset.Position(call.Pos()))
				return true
			}
			code, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			codes[code] = true
			return true
		})
	}
	return codes
}

// TestRouterCodesKnown: every code the router and its codecs name is one
// the metrics know.
func TestRouterCodesKnown(t *testing.T) {
	known := knownCodes(nil)
	for code := range codedLiterals(t, ".") {
		if !known[code] {
			t.Errorf("the router answers with %q, which routerCodes lacks", code)
		}
	}
}
