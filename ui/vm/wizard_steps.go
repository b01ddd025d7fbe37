package vm

import (
	"regexp"
	"strings"

	"mangotqm/app/config"
	"mangotqm/app/secrets"
)

// WizardStep asks for one secret (or, for Mango's API connector, the two
// values shown side by side on the same page) and says where to find it.
type WizardStep struct {
	TitleKey string
	HelpKey  string // where to find it, step by step
	NoteKey  string // how the values are checked (what the wizard can and cannot tell)
	// KeysNoteKey, when set, replaces NoteKey in «Изменить ключи»: there
	// is no last step there, the value works as soon as it is saved.
	KeysNoteKey string
	// LossKey, on an optional step, says what the user loses by skipping it.
	LossKey string
	// CheckVPBX: the step offers one live check of Mango's VPBX code and key.
	CheckVPBX bool
	Fields    []WizardField
}

// Note is the key of the step's note: in «Изменить ключи» (keys) the
// one that fits a single key saved on its own.
func (s WizardStep) Note(keys bool) string {
	if keys && s.KeysNoteKey != "" {
		return s.KeysNoteKey
	}
	return s.NoteKey
}

// Optional: the step may be skipped.
func (s WizardStep) Optional() bool { return s.LossKey != "" }

// WizardField is one value of a step: a secret for the keychain or a plain
// setting.
type WizardField struct {
	LabelKey string
	Secret   secrets.Name // "" for a plain setting
	Get      func(config.Config) string
	Set      func(*config.Config, string)
	// Normalize tidies what the user typed before the check (nil = trim).
	Normalize func(string) string
	// Check is a format check; the live checks are the step's.
	Check    func(string) bool
	BadKey   string
	Optional bool
}

// Plain: the field is a setting, not a secret.
func (f WizardField) Plain() bool { return f.Secret == "" }

// The formats the wizard accepts. The hints (ui.wizard.bad.*) state these
// rules in words; TestWizardHintsStateTheRules keeps the two in step.
var (
	reToken = regexp.MustCompile(`^[A-Za-z0-9_\-]{20,200}$`)
	// Mango's «Уникальный код ВАТС»: 16–64 Latin letters and digits,
	// capitals allowed (docs/mango.md; usually 27 lower-case characters).
	reVPBX   = regexp.MustCompile(`^[A-Za-z0-9]{16,64}$`)
	reSalt   = regexp.MustCompile(`^[A-Za-z0-9]{16,128}$`)
	reKey    = regexp.MustCompile(`^\S{8,512}$`)
	reDomain = regexp.MustCompile(`^(https://)?[a-z0-9]([a-z0-9\-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?)+/?$`)
)

// WizardSteps are the wizard's pages in order. There is no calltracking
// token step: this version never calls the calltracking API, and a wizard
// that asks for a key and then says it is unused only confuses an office
// admin (issue 20, item 9).
func WizardSteps() []WizardStep {
	return []WizardStep{
		{TitleKey: "ui.wizard.tqm.title", HelpKey: "ui.wizard.tqm.help", NoteKey: "ui.wizard.tqm.check_note", Fields: []WizardField{
			{LabelKey: "ui.wizard.tqm.key", Secret: secrets.TQMKey, Check: reKey.MatchString, BadKey: "ui.wizard.bad.key"},
		}},
		{TitleKey: "ui.wizard.mango.title", HelpKey: "ui.wizard.mango.help", NoteKey: "ui.wizard.vpbx.note",
			LossKey: "ui.wizard.skip_loss.vpbx", CheckVPBX: true, Fields: []WizardField{
				{LabelKey: "ui.wizard.mango.vpbx_key", Secret: secrets.MangoVPBXKey, Check: reVPBX.MatchString, BadKey: "ui.wizard.bad.vpbx_key", Optional: true},
				{LabelKey: "ui.wizard.mango.vpbx_salt", Secret: secrets.MangoVPBXSalt, Check: reSalt.MatchString, BadKey: "ui.wizard.bad.vpbx_salt", Optional: true},
			}},
		{TitleKey: "ui.wizard.ngrok.title", HelpKey: "ui.wizard.ngrok.help", NoteKey: "ui.wizard.ngrok.check_note", KeysNoteKey: "ui.wizard.ngrok.keys_note", Fields: []WizardField{
			{LabelKey: "ui.wizard.ngrok.token", Secret: secrets.NgrokAuthtoken, Check: reToken.MatchString, BadKey: "ui.wizard.bad.ngrok_token"},
		}},
		{TitleKey: "ui.wizard.domain.title", HelpKey: "ui.wizard.domain.help", NoteKey: "ui.wizard.ngrok.check_note", KeysNoteKey: "ui.wizard.ngrok.keys_note", Fields: []WizardField{
			{LabelKey: "ui.wizard.ngrok.domain",
				Get:       func(c config.Config) string { return c.NgrokDomain },
				Set:       func(c *config.Config, v string) { c.NgrokDomain = config.NormalizeDomain(v) },
				Normalize: config.NormalizeDomain,
				Check:     reDomain.MatchString, BadKey: "ui.wizard.bad.domain"},
		}},
	}
}

// StepValues tidies what was typed into a step's fields; bad is the i18n
// key of the first malformed value ("" when all are well formed).
func StepValues(st WizardStep, typed []string) (values []string, bad string) {
	values = make([]string, len(typed))
	for j, t := range typed {
		v := strings.TrimSpace(t)
		f := st.Fields[j]
		if f.Normalize != nil {
			v = f.Normalize(v)
		}
		if v != "" && !f.Check(v) {
			return nil, f.BadKey
		}
		values[j] = v
	}
	return values, ""
}

// StepIndex is the index of the step titled key in steps (-1 when none).
func StepIndex(steps []WizardStep, key string) int {
	for i, st := range steps {
		if st.TitleKey == key {
			return i
		}
	}
	return -1
}
