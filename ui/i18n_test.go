package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"mangotqm/app/calls"
	"mangotqm/assets/i18n"
)

// Every Russian text has an English one and vice versa (all areas).
func TestTranslationsArePaired(t *testing.T) {
	ru, en := i18n.Table(i18n.RU), i18n.Table(i18n.EN)
	if len(ru) == 0 || len(en) == 0 {
		t.Fatal("translations did not load")
	}
	for k, v := range ru {
		if strings.TrimSpace(en[k]) == "" {
			t.Errorf("%s has Russian text %q but no English", k, v)
		}
	}
	for k, v := range en {
		if strings.TrimSpace(ru[k]) == "" {
			t.Errorf("%s has English text %q but no Russian", k, v)
		}
	}
}

var keyRE = regexp.MustCompile(`^ui\.[a-z0-9_.]+$`)

// No hard-coded user-facing string in the UI: every literal that reads like
// words is a translation key; every key used exists.
func TestNoHardCodedUserText(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	vmFiles, _ := filepath.Glob("vm/*.go")
	files = append(files, vmFiles...)
	table := i18n.Table(i18n.RU)
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		// screenshot.go drives the screenshot test; its messages go to a
		// test's log, never to the window.
		if strings.HasSuffix(name, "_test.go") || name == "screenshot.go" {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok && isCall(call, "dialog", "ShowError") {
				t.Errorf("%s: dialog.ShowError shows a technical English error; use showError with a message key",
					fset.Position(call.Pos()))
			}
			if call, ok := n.(*ast.CallExpr); ok && exempt(call) {
				return false
			}
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			checked++
			if keyRE.MatchString(s) && !strings.HasSuffix(s, ".") {
				if _, ok := table[s]; !ok {
					t.Errorf("%s: key %q has no translation", fset.Position(lit.Pos()), s)
				}
				return true
			}
			if looksLikeText(s) {
				t.Errorf("%s: hard-coded text %q (put it in assets/i18n/*/ui.json)", fset.Position(lit.Pos()), s)
			}
			return true
		})
	}
	if checked < 50 {
		t.Fatalf("only %d literals checked; is the scan broken?", checked)
	}
	for _, s := range append(append([]calls.Status{}, calls.Statuses...), "waiting") {
		if _, ok := table["ui.status."+string(s)]; !ok {
			t.Errorf("status %s has no label", s)
		}
	}
	for _, o := range []calls.Outcome{calls.OutcomeDelivered, calls.OutcomeRetry, calls.OutcomeRejected, calls.OutcomeAttention, calls.OutcomePaused,
		calls.OutcomeUnknown, calls.OutcomeWaiting, calls.OutcomeSkipped} {
		if _, ok := table["ui.outcome."+string(o)]; !ok {
			t.Errorf("outcome %s has no label", o)
		}
	}
}

// exempt: command-line flag help, log messages and error texts are for
// operators, not the window (errors reach the window only as the "details"
// line under a translated message: see showError).
func exempt(call *ast.CallExpr) bool {
	if isCall(call, "fmt", "Errorf") || isCall(call, "errors", "New") {
		return true
	}
	// Patterns that read lower layers' English back into keys (vm/preview.go).
	if isCall(call, "regexp", "MustCompile") {
		return true
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	if x, ok := sel.X.(*ast.SelectorExpr); ok && x.Sel.Name == "log" { // u.log.Warn(...)
		return true
	}
	if x, ok := sel.X.(*ast.Ident); ok && (x.Name == "log" || x.Name == "fs") { // log.Warn, fs.Bool
		return true
	}
	return false
}

func isCall(call *ast.CallExpr, pkg, name string) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != name {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == pkg
}

var wordRE = regexp.MustCompile(`[A-Za-z]{2,}\s+[A-Za-z]{2,}`)

func looksLikeText(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return wordRE.MatchString(s)
}
