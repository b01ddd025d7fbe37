package calls

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Every Code… constant is in the registry (so the front ends' tests, which
// enumerate the registry, see it), and each registered text uses exactly
// the parameters it declares.
func TestCodesRegistered(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "codes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if !strings.HasPrefix(name.Name, "Code") || i >= len(vs.Values) {
				continue
			}
			lit, ok := vs.Values[i].(*ast.BasicLit)
			if !ok {
				continue
			}
			code, _ := strconv.Unquote(lit.Value)
			n++
			if _, ok := Code(code); !ok {
				t.Errorf("%s (%q) is not in the registry", name.Name, code)
			}
		}
		return true
	})
	if n < 50 || n != len(Codes()) {
		t.Errorf("%d Code constants, %d registered", n, len(Codes()))
	}
	placeholder := regexp.MustCompile(`\{([a-z_]+)\}`)
	for _, c := range Codes() {
		info, _ := Code(c)
		var used []string
		for _, m := range placeholder.FindAllStringSubmatch(info.English, -1) {
			used = append(used, m[1])
		}
		if fmt.Sprint(used) != fmt.Sprint(info.Args) && !(len(used) == 0 && len(info.Args) == 0) {
			t.Errorf("%s: text uses %v, declares %v", c, used, info.Args)
		}
	}
}

func TestReasonEnglishAndCodec(t *testing.T) {
	gaveUp := NewReason(CodeGaveUp, "tries", "4").With(NewReason(CodeHTTPStatus, "status", "503"))
	invalid := List(NewReason(CodeNoCallID), NewReason(CodeStartDate).With(NewReason(CodeDateMissing)))
	for _, tt := range []struct {
		r    Reason
		want string
	}{
		{Reason{}, ""},
		{NewReason(CodeDuplicate, ArgOf, "7"), "duplicate of call #7"},
		{gaveUp, "gave up after 4 tries: TQM answered HTTP 503"},
		{invalid, "no call id (callId); start date (dateStart): missing"},
		{NewReason(CodeCannotSend).With(NewReason(CodeMissing, ArgField, "fileLink"), NewReason(CodeEndBeforeStart)),
			"the call cannot be sent to TQM: fileLink is missing; endDate is before startDate"},
		{Legacy("old text"), "old text"},
		{NewReason("no.such", "a", "1"), "no.such a=1"},
	} {
		if got := tt.r.English(); got != tt.want {
			t.Errorf("English(%+v) = %q, want %q", tt.r, got, tt.want)
		}
		if got := DecodeReason(tt.r.Encode()); got.English() != tt.want || got.Code != tt.r.Code {
			t.Errorf("round trip of %+v gave %+v", tt.r, got)
		}
	}
	if r := Stored("", "text of an old row"); r.Code != CodeLegacy || r.Arg(ArgText) != "text of an old row" {
		t.Errorf("old row: %+v", r)
	}
	if r := Stored("{broken", ""); !r.IsZero() {
		t.Errorf("broken code and no text: %+v", r)
	}
	base := errors.New("boom")
	err := fmt.Errorf("outer: %w", gaveUp.Wrap(base))
	if r, ok := ReasonOf(err); !ok || r.Code != CodeGaveUp || !errors.Is(err, base) {
		t.Errorf("ReasonOf(%v) = %+v, %v", err, r, ok)
	}
	if r := ReasonFor(base, CodeNoAnswer); r.Code != CodeNoAnswer || r.Arg(ArgError) != "boom" {
		t.Errorf("ReasonFor plain error: %+v", r)
	}
	if r := ReasonFor(base, CodeLegacy); r.Arg(ArgText) != "boom" {
		t.Errorf("ReasonFor legacy: %+v", r)
	}
}
