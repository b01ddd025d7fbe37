package vm

// Errors a person sees, in their words: which field is wrong and what to
// do, the technical text kept aside for «Подробнее».

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"

	"mangotqm/app/calls"
	"mangotqm/app/config"
)

// Problem is one thing a person must fix.
type Problem struct {
	FieldKey string // i18n key of the field's label ("" = not one field)
	Key      string // i18n key of what to do
	Detail   string // the technical text (shown under «Подробнее»)
}

// Text is the problem in words: «Адрес TQM: укажите адрес вида https://…».
func (p Problem) Text(t Translate) string {
	if p.FieldKey == "" {
		return t.or(p.Key)
	}
	return t.or(p.FieldKey) + ": " + t.or(p.Key)
}

// fieldProblems maps the configuration's setting names (the prefixes of
// config.Validate's errors, its flag names) to the settings' labels and
// what to do.
var fieldProblems = []struct{ prefix, field, fix string }{
	{"tqm-url", "ui.settings.tqm_url", "desk.fix.url"},
	{"vpbx-url", "desk.field.vpbx_url", "desk.fix.url"},
	{"ngrok-domain", "ui.wizard.ngrok.domain", "ui.wizard.bad.domain"},
	{"tqm-api", "ui.settings.tqm_api", "desk.fix.choose"},
	{"audio", "ui.settings.audio", "desk.fix.choose"},
	{"sources", "ui.settings.sources", "desk.fix.choose"},
	{"rate", "desk.field.rate", "desk.fix.rate"},
	{"reconcile-every", "ui.settings.reconcile", "desk.fix.reconcile_every"},
	{"road", "desk.field.road", "desk.fix.choose"},
	{"public-url", "desk.field.public_url", "desk.fix.public_url"},
	{"listen", "desk.field.listen", "desk.fix.listen"},
	{"poll-every", "desk.field.poll_every", "desk.fix.poll_every"},
}

// reasonProblems are coded reasons (app/calls) that name a field.
var reasonProblems = map[string]struct{ field, fix string }{
	calls.CodeMappingZone: {"desk.field.zone", "desk.fix.zone"},
	calls.CodeSourceZone:  {"desk.field.source_zone", "desk.fix.zone"},
}

// ConfigProblems translates a configuration or validation error (one or
// several, joined) into one problem per field, in the order found.
func ConfigProblems(err error) []Problem {
	var out []Problem
	for _, e := range leaves(err) {
		if r, ok := calls.ReasonOf(e); ok {
			if f, ok := reasonProblems[r.Code]; ok {
				out = append(out, Problem{FieldKey: f.field, Key: f.fix, Detail: e.Error()})
				continue
			}
		}
		out = append(out, configProblem(e.Error()))
	}
	return out
}

func configProblem(msg string) Problem {
	for _, f := range fieldProblems {
		if strings.HasPrefix(msg, f.prefix+": ") {
			return Problem{FieldKey: f.field, Key: f.fix, Detail: msg}
		}
	}
	return Problem{Key: "desk.fix.other", Detail: msg}
}

// leaves flattens errors.Join trees (config.Validate joins the road's
// and the alerts' joins); wrapped single errors stay whole, their text
// keeps the field's prefix.
func leaves(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}

// FieldCheck is one field checked as the wizard checks it: the wizard's
// own normalize, check and message (the settings pass the wizard's field).
type FieldCheck struct {
	LabelKey string
	Value    string
	Required bool
	Check    func(string) bool // nil = any non-empty value
	BadKey   string            // the wizard's words for a bad value
}

// RequiredKey is the wizard's words for an empty required field.
const RequiredKey = "ui.wizard.required"

// SettingsProblems validates the settings as the wizard does: each
// field check first (empty required fields, the wizard's format), then
// the whole configuration (config.Config.Validate). It returns nil when
// all is well.
func SettingsProblems(c config.Config, checks []FieldCheck) []Problem {
	var out []Problem
	seen := map[string]bool{}
	for _, f := range checks {
		v := strings.TrimSpace(f.Value)
		switch {
		case v == "" && f.Required:
			out = append(out, Problem{FieldKey: f.LabelKey, Key: RequiredKey})
		case v != "" && f.Check != nil && !f.Check(v):
			out = append(out, Problem{FieldKey: f.LabelKey, Key: f.BadKey, Detail: v})
		default:
			continue
		}
		seen[f.LabelKey] = true
	}
	for _, p := range ConfigProblems(c.Validate()) {
		if !seen[p.FieldKey] || p.FieldKey == "" {
			out = append(out, p)
		}
	}
	return out
}

// NgrokDomainRequired: the ngrok road needs the account's domain (without
// it the address changes at every start), as the wizard says.
func NgrokDomainRequired(c config.Config) bool { return c.Road.Kind == config.RoadNgrok }

// ErrorProblem is what a person is told about an operation's error: no
// network at all, the other side not answering, or (with the detail) the
// thing that failed, keyed by what.
func ErrorProblem(what string, err error) Problem {
	p := Problem{Key: what}
	if err != nil {
		p.Detail = err.Error()
	}
	switch {
	case err == nil:
	case Offline(err):
		p.Key = "desk.fix.offline"
	case errors.Is(err, context.DeadlineExceeded):
		p.Key = "desk.fix.timeout"
	}
	return p
}

// Offline reports whether err says this computer has no network at all:
// a name that does not resolve, an unreachable network. A server that
// answers with an error, or refuses, is not «offline».
func Offline(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.IsNotFound || dns.IsTemporary || dns.Timeout()
	}
	return errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETDOWN)
}
