package licensemanager_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/awsapi/licensemanager"
)

// TestErrorsDeclared: every error code the adapter and the license domain
// name (fault.Coded) is in licensemanager.Errors, so that metrics label it
// by name rather than as unknown.
func TestErrorsDeclared(t *testing.T) {
	for _, dir := range []string{".", "../../license"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
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
				if sel, isSel := callee(call, ok); !isSel || sel != "Coded" || len(call.Args) < 2 {
					return true
				}
				lit, ok := call.Args[1].(*ast.BasicLit)
				if !ok {
					t.Errorf("%s: fault.Coded with a code that is not a literal", fset.Position(call.Pos()))
					return true
				}
				if code, _ := strconv.Unquote(lit.Value); !slices.Contains(licensemanager.Errors, code) {
					t.Errorf("%s: code %q is not in licensemanager.Errors", fset.Position(call.Pos()), code)
				}
				return true
			})
		}
	}
}

func callee(call *ast.CallExpr, ok bool) (string, bool) {
	if !ok {
		return "", false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return "", false
	}
	return sel.Sel.Name, true
}
