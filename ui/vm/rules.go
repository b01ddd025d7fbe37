package vm

// The rules page («Какие звонки отправлять в TQM»): the form as typed,
// read into config.Rules with errors that name the field in the user's
// language, and the live preview's sentence.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"mangotqm/app/bridge"
	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/app/rules"
)

// RulesBackend is what the rules page needs (*bridge.Bridge).
type RulesBackend interface {
	Config() config.Config
	SetConfig(ctx context.Context, c config.Config) error
	TrackingNumbers(ctx context.Context) ([]bridge.TrackingNumber, error)
	SetTrackingNumbers(ctx context.Context, numbers []string) error
	RulesPreview(ctx context.Context, r config.Rules) (rules.Preview, error)
}

// RulesForm is the rules page as the user typed it.
type RulesForm struct {
	Inbound, Outbound bool
	Lines             config.LinesMode
	LineList          string // numbers, one per line (or comma-separated)
	Tracking          string // the calltracking numbers, likewise
	AnsweredOnly      bool
	MinTalk           string // seconds
	HoursOn           bool
	HoursFrom         string
	HoursTo           string
	HoursZone         string  // "" = the computer's
	Days              [7]bool // Monday first
	UTMInclude        string
	UTMExclude        string
	ExcludeEmployees  string
	ExcludeGroups     string
}

// RulesFormOf shows r and the known tracking numbers.
func RulesFormOf(r config.Rules, tracking []bridge.TrackingNumber) RulesForm {
	f := RulesForm{Inbound: r.Inbound, Outbound: r.Outbound, Lines: r.Lines, LineList: strings.Join(r.LineList, "\n"),
		AnsweredOnly: r.AnsweredOnly, MinTalk: strconv.Itoa(r.MinTalk), HoursOn: r.Hours.On,
		HoursFrom: r.Hours.From, HoursTo: r.Hours.To, HoursZone: r.Hours.Zone, UTMInclude: strings.Join(r.UTMInclude, ", "),
		UTMExclude: strings.Join(r.UTMExclude, ", "), ExcludeEmployees: strings.Join(r.ExcludeEmployees, ", "),
		ExcludeGroups: strings.Join(r.ExcludeGroups, ", ")}
	for _, d := range r.Hours.Days {
		if d >= 1 && d <= 7 {
			f.Days[d-1] = true
		}
	}
	nums := make([]string, len(tracking))
	for i, n := range tracking {
		nums[i] = n.Number
	}
	f.Tracking = strings.Join(nums, "\n")
	return f
}

// Parse reads the form: the rules and the tracking numbers, or every
// problem as *config.RuleError (RuleErrorText renders them).
func (f RulesForm) Parse() (config.Rules, []string, error) {
	r := config.Rules{Inbound: f.Inbound, Outbound: f.Outbound, Lines: f.Lines, LineList: splitList(f.LineList),
		AnsweredOnly: f.AnsweredOnly, Hours: config.WorkHours{On: f.HoursOn, From: strings.TrimSpace(f.HoursFrom),
			To: strings.TrimSpace(f.HoursTo), Zone: strings.TrimSpace(f.HoursZone)},
		UTMInclude: splitList(f.UTMInclude), UTMExclude: splitList(f.UTMExclude),
		ExcludeEmployees: splitList(f.ExcludeEmployees), ExcludeGroups: splitList(f.ExcludeGroups)}
	for i, on := range f.Days {
		if on {
			r.Hours.Days = append(r.Hours.Days, i+1)
		}
	}
	if r.Hours.From == "" {
		r.Hours.From = "09:00"
	}
	if r.Hours.To == "" {
		r.Hours.To = "18:00"
	}
	var errs []error
	if s := strings.TrimSpace(f.MinTalk); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			errs = append(errs, &config.RuleError{Field: config.RuleFieldMinTalk, Code: config.RuleErrNotNumber, Value: s})
		} else {
			r.MinTalk = n
		}
	}
	tracking := splitList(f.Tracking)
	for _, n := range tracking {
		if !config.IsPhone(n) {
			errs = append(errs, &config.RuleError{Field: RuleFieldTracking, Code: config.RuleErrNotPhone, Value: n})
		}
	}
	if err := r.Validate(); err != nil {
		errs = append(errs, err)
	}
	return r, tracking, errors.Join(errs...)
}

// RuleFieldTracking names the tracking numbers' field (not a config one).
const RuleFieldTracking = "tracking"

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// RuleErrorText renders err's rule errors, one per line: «field: what is
// wrong», in the user's language; other errors as they are.
func RuleErrorText(err error, t TranslateData) string {
	if err == nil {
		return ""
	}
	var lines []string
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var re *config.RuleError
		if errors.As(e, &re) && t != nil {
			msg := t("rules.error."+re.Code, map[string]any{"Value": re.Value})
			lines = append(lines, t("rules.error.line", map[string]any{"Field": t("rules.field."+re.Field, nil), "Message": msg}))
			return
		}
		lines = append(lines, e.Error())
	}
	walk(err)
	return strings.Join(lines, "\n")
}

// SaveRules parses the form and, when it is valid, saves the rules and the
// tracking numbers (applied to the next call, no restart).
func SaveRules(ctx context.Context, b RulesBackend, f RulesForm) error {
	r, tracking, err := f.Parse()
	if err != nil {
		return err
	}
	c := b.Config()
	c.Rules = r
	if err := b.SetConfig(ctx, c); err != nil {
		return fmt.Errorf("save the rules: %w", err)
	}
	if err := b.SetTrackingNumbers(ctx, tracking); err != nil {
		return fmt.Errorf("save the calltracking numbers: %w", err)
	}
	return nil
}

// RulesPreviewText is the preview's sentence(s): «Из 212 звонков за сутки в TQM
// попадут 143; не попадут: исходящие — 41, …», for the stored calls and,
// when read, Mango's statistics; plus the note when no tracking number is
// known yet.
func RulesPreviewText(p rules.Preview, r config.Rules, t TranslateData) string {
	if t == nil {
		t = func(key string, _ map[string]any) string { return key }
	}
	var lines []string
	if p.Mango != nil && p.MangoErr == nil {
		lines = append(lines, figuresText("rules.preview.mango", *p.Mango, t))
	}
	lines = append(lines, figuresText("rules.preview.stored", p.Stored, t))
	if p.MangoErr != nil {
		lines = append(lines, t("rules.preview.mango_error", map[string]any{"Error": p.MangoErr.Error()}))
	} else if p.Mango == nil {
		lines = append(lines, t("rules.preview.no_vpbx", nil))
	}
	if p.Tracking == 0 && r.Lines == config.LinesTracking {
		lines = append(lines, t("rules.preview.no_tracking", nil))
	}
	return strings.Join(lines, "\n")
}

func figuresText(key string, f rules.Figures, t TranslateData) string {
	text := t(key, map[string]any{"Total": f.Total, "Pass": f.Pass})
	if len(f.Skipped) == 0 {
		return text
	}
	parts := make([]string, 0, len(f.Skipped))
	for _, code := range f.Reasons() {
		parts = append(parts, SkippedLabel(code, f.Skipped[code], t))
	}
	return text + t("rules.preview.not_sent", map[string]any{"List": strings.Join(parts, ", ")})
}

// SkippedLabel names n calls skipped for reason code («исходящие — 41»).
func SkippedLabel(code string, n int, t TranslateData) string {
	key := "rules.count." + code
	if s := t(key, map[string]any{"N": n}); s != key {
		return s
	}
	return fmt.Sprintf("%s — %d", ReasonText(calls.NewReason(code), t), n)
}

// SkippedByText lists the calls a backfill stored as skipped, by reason
// («\nНе отправлялись: исходящие — 41, …»); "" when none.
func SkippedByText(by map[string]int, t TranslateData) string {
	if len(by) == 0 {
		return ""
	}
	f := rules.Figures{Skipped: by}
	parts := make([]string, 0, len(by))
	for _, code := range f.Reasons() {
		parts = append(parts, SkippedLabel(code, by[code], t))
	}
	return "\n" + t("rules.backfill.skipped_by", map[string]any{"List": strings.Join(parts, ", ")})
}
