package config

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestRulesValidate(t *testing.T) {
	for _, tc := range []struct {
		name      string
		edit      func(*Rules)
		wantField string // "" = valid
		wantCode  string
	}{
		{"defaults", func(*Rules) {}, "", ""},
		{"outbound only", func(r *Rules) { r.Inbound, r.Outbound = false, true }, "", ""},
		{"no direction", func(r *Rules) { r.Inbound = false }, RuleFieldDirections, RuleErrNoDirection},
		{"unknown lines mode", func(r *Rules) { r.Lines = "some" }, RuleFieldLines, RuleErrLinesMode},
		{"empty list", func(r *Rules) { r.Lines = LinesList }, RuleFieldLineList, RuleErrEmptyList},
		{"list ok", func(r *Rules) { r.Lines, r.LineList = LinesList, []string{"+7 (495) 123-45-67"} }, "", ""},
		{"line not a phone", func(r *Rules) { r.Lines, r.LineList = LinesList, []string{"офис"} }, RuleFieldLineList, RuleErrNotPhone},
		{"line too short", func(r *Rules) { r.Lines, r.LineList = LinesList, []string{"12"} }, RuleFieldLineList, RuleErrNotPhone},
		{"negative talk", func(r *Rules) { r.MinTalk = -1 }, RuleFieldMinTalk, RuleErrNegative},
		{"hours ok", func(r *Rules) { r.Hours = WorkHours{On: true, From: "09:00", To: "18:00", Days: []int{1, 5}} }, "", ""},
		{"hours off ignores junk", func(r *Rules) { r.Hours = WorkHours{From: "x", To: "y"} }, "", ""},
		{"hours end before start", func(r *Rules) { r.Hours = WorkHours{On: true, From: "18:00", To: "09:00"} }, RuleFieldHoursTo, RuleErrEndBefore},
		{"hours equal", func(r *Rules) { r.Hours = WorkHours{On: true, From: "09:00", To: "09:00"} }, RuleFieldHoursTo, RuleErrEndBefore},
		{"hours not a time", func(r *Rules) { r.Hours = WorkHours{On: true, From: "9 утра", To: "18:00"} }, RuleFieldHoursFrom, RuleErrNotTime},
		{"hours 25:00", func(r *Rules) { r.Hours = WorkHours{On: true, From: "09:00", To: "25:00"} }, RuleFieldHoursTo, RuleErrNotTime},
		{"bad weekday", func(r *Rules) { r.Hours = WorkHours{On: true, From: "09:00", To: "24:00", Days: []int{8}} }, RuleFieldHoursDays, RuleErrDay},
		{"hours zone ok", func(r *Rules) { r.Hours = WorkHours{On: true, From: "09:00", To: "18:00", Zone: "Asia/Yekaterinburg"} }, "", ""},
		{"hours zone unknown", func(r *Rules) { r.Hours = WorkHours{On: true, From: "09:00", To: "18:00", Zone: "Москва"} }, RuleFieldHoursZone, RuleErrZone},
		{"utm both", func(r *Rules) { r.UTMInclude, r.UTMExclude = []string{"yandex"}, []string{"Yandex"} }, RuleFieldUTM, RuleErrUTMBoth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := DefaultRules()
			tc.edit(&r)
			err := r.Validate()
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var re *RuleError
			if !errors.As(err, &re) {
				t.Fatalf("Validate() = %v, want a *RuleError", err)
			}
			if re.Field != tc.wantField || re.Code != tc.wantCode {
				t.Fatalf("Validate() = %+v, want field %s code %s", re, tc.wantField, tc.wantCode)
			}
			// Config.Validate refuses the same, naming the field.
			c := Default()
			c.Rules = r
			if !errors.As(c.Validate(), &re) || re.Field != tc.wantField {
				t.Fatalf("Config.Validate() = %v, want the rule error", c.Validate())
			}
		})
	}
}

func TestRulesDefaultIsTheBundleAndSurvivesOldConfigs(t *testing.T) {
	d := DefaultRules()
	if !d.Inbound || d.Outbound || d.Lines != LinesTracking || !d.AnsweredOnly || d.MinTalk != 0 || d.Hours.On {
		t.Fatalf("DefaultRules() = %+v, want inbound answered calls on tracking lines", d)
	}
	// A configuration saved before the rules existed loads with the defaults.
	kv := memKV{SettingKey: `{"tqm_url":"https://tqm.example","tqm_api":"v2","audio":"upload","sources":"calltracking","vpbx_url":"https://app.mango-office.ru/vpbx","rate":5,"reconcile_every":"15m0s"}`}
	c, err := Load(context.Background(), kv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Rules.Lines != LinesTracking || !c.Rules.Inbound || !c.Rules.AnsweredOnly {
		t.Fatalf("loaded rules = %+v, want the defaults", c.Rules)
	}
	// Saved rules come back.
	c.Rules.Outbound, c.Rules.MinTalk = true, 10
	if err := Save(context.Background(), kv, c); err != nil {
		t.Fatal(err)
	}
	back, err := Load(context.Background(), kv)
	if err != nil || !back.Rules.Outbound || back.Rules.MinTalk != 10 {
		t.Fatalf("Load after Save = %+v, %v", back.Rules, err)
	}
}

func TestRuleFlags(t *testing.T) {
	for _, tc := range []struct {
		flag, value string
		check       func(Rules) bool
		wantErr     string // in Set's or Validate's error
	}{
		{FlagRulesDirections, "inbound,outbound", func(r Rules) bool { return r.Inbound && r.Outbound }, ""},
		{FlagRulesDirections, "outbound", func(r Rules) bool { return !r.Inbound && r.Outbound }, ""},
		{FlagRulesDirections, "internal", nil, "--rules-directions"},
		{FlagRulesDirections, "", nil, "rules directions"},
		{FlagRulesLines, "all", func(r Rules) bool { return r.Lines == LinesAll }, ""},
		{FlagRulesLines, "+74951112233, 84959990000", func(r Rules) bool { return r.Lines == LinesList && len(r.LineList) == 2 }, ""},
		{FlagRulesLines, "office", nil, "rules line_list"},
		{FlagRulesAnswered, "false", func(r Rules) bool { return !r.AnsweredOnly }, ""},
		{FlagRulesAnswered, "maybe", nil, "--rules-answered-only"},
		{FlagRulesMinTalk, "30", func(r Rules) bool { return r.MinTalk == 30 }, ""},
		{FlagRulesMinTalk, "half a minute", nil, "--rules-min-talk"},
		{FlagRulesMinTalk, "-1", nil, "rules min_talk"},
		{FlagRulesHours, "09:00-18:00", func(r Rules) bool { return r.Hours.On && r.Hours.From == "09:00" && r.Hours.To == "18:00" }, ""},
		{FlagRulesHours, "18:00-09:00", nil, "rules hours_to"},
		{FlagRulesHours, "daytime", nil, "--rules-hours"},
		{FlagRulesHours, "off", func(r Rules) bool { return !r.Hours.On }, ""},
		{FlagRulesHours, "08:00-17:00 Europe/Moscow", func(r Rules) bool { return r.Hours.On && r.Hours.Zone == "Europe/Moscow" && r.Hours.To == "17:00" }, ""},
		{FlagRulesHours, "08:00-17:00 Mars/Olympus", nil, "rules hours_zone"},
		{FlagRulesUTMExclude, "google, vk", func(r Rules) bool { return len(r.UTMExclude) == 2 }, ""},
		{FlagRulesNoGroups, "Бухгалтерия", func(r Rules) bool { return len(r.ExcludeGroups) == 1 }, ""},
	} {
		t.Run(tc.flag+"="+tc.value, func(t *testing.T) {
			c := Default()
			err := c.Set(tc.flag, tc.value)
			if err == nil {
				err = c.Validate()
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(c.Rules) {
				t.Fatalf("rules %+v, %v", c.Rules, err)
			}
			// Get gives back what Set takes.
			again := Default()
			if err := again.Set(tc.flag, c.Get(tc.flag)); err != nil || again.Get(tc.flag) != c.Get(tc.flag) {
				t.Fatalf("Get %q does not round-trip: %v", c.Get(tc.flag), err)
			}
		})
	}
}
