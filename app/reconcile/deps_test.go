package reconcile

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The statistics importer stays on Mango's side: it must not depend, even
// indirectly, on delivery, TQM, the mapping, the recordings sender, the
// webhook receiver or the VPBX events endpoint (issue 19). The package
// imports are read from the source files (tests excluded), transitively.
func TestImportsStayOnMangosSide(t *testing.T) {
	root, module := moduleRoot(t)
	deps := map[string][]string{} // package → the chain that reached it
	var walk func(pkg string, chain []string)
	walk = func(pkg string, chain []string) {
		if _, seen := deps[pkg]; seen {
			return
		}
		chain = append(append([]string(nil), chain...), pkg)
		deps[pkg] = chain
		for _, imp := range packageImports(t, filepath.Join(root, strings.TrimPrefix(pkg, module))) {
			if strings.HasPrefix(imp, module+"/") {
				walk(imp, chain)
			}
		}
	}
	walk(module+"/app/reconcile", nil)
	if len(deps) < 4 {
		t.Fatalf("the import walk found too little (%d packages): it is broken", len(deps))
	}
	for _, forbidden := range []string{
		"app/delivery", "app/recordings", "app/vpbxevents", "app/receiver", "app/mapping", "app/tqm", "app/bridge", "ui",
	} {
		t.Run(forbidden, func(t *testing.T) {
			for pkg, chain := range deps {
				if pkg == module+"/"+forbidden || strings.HasPrefix(pkg, module+"/"+forbidden+"/") {
					t.Errorf("app/reconcile depends on %s: %s", pkg, strings.Join(chain, " → "))
				}
			}
		})
	}
	for _, needed := range []string{"app/mango/mangocall", "store"} { // the walk does see the real imports
		if _, ok := deps[module+"/"+needed]; !ok {
			t.Errorf("the import walk did not reach %s", needed)
		}
	}
}

// moduleRoot finds go.mod above the package directory and the module path.
func moduleRoot(t *testing.T) (dir, module string) {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
					return dir, f[1]
				}
			}
			t.Fatal("go.mod names no module")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the package")
		}
		dir = parent
	}
}

// packageImports lists the imports of the non-test Go files in dir (all
// build tags: a platform file's import counts too).
func packageImports(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("package directory: %v", err)
	}
	var out []string
	fs := token.NewFileSet()
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fs, filepath.Join(dir, n), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatalf("parse %s: %v", n, err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			out = append(out, p)
		}
	}
	return out
}
