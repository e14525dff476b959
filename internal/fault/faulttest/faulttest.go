// Package faulttest helps tests check the error codes the code names
// against the lists that metrics and wire formats keep of them.
package faulttest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// CodedLiterals returns the AWS error codes that the non-test Go files of
// dirs name in calls to fault.Coded, each with where it is named. A call
// whose code is not a string literal is an error: no list can know it.
func CodedLiterals(t testing.TB, dirs ...string) map[string][]string {
	t.Helper()
	codes := map[string][]string{}
	fset := token.NewFileSet()
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
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
				at := fset.Position(call.Pos()).String()
				lit, ok := call.Args[1].(*ast.BasicLit)
				if !ok {
					t.Errorf("%s: fault.Coded with a code that is not a literal: no list of codes can know it", at)
					return true
				}
				code, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatalf("%s: %v", at, err)
				}
				codes[code] = append(codes[code], at)
				return true
			})
		}
	}
	return codes
}
