package alerts

import (
	"strings"
	"time"

	"mangotqm/assets/i18n"
	"mangotqm/store"
)

// Incident kinds the alerts add to the bridge's own (app/bridge raises
// them; their texts are here).
const (
	IncidentBackupFailed = "backup_failed"
	IncidentVPBXLockout  = "vpbx_lockout"
)

const timeLayout = "02.01.2006 15:04"

// texts renders one language.
type texts struct {
	lang string
	host string
}

func (t texts) t(key string, data map[string]any) string { return i18n.T(t.lang, key, data) }

// kindText is the kind's own text (open, close, do), else the generic one.
func (t texts) kindText(kind, part string) string {
	key := "alerts.kind." + kind + "." + part
	if i18n.Has(key) {
		return t.t(key, nil)
	}
	return t.t("alerts.kind.generic."+part, map[string]any{"Kind": kind})
}

// Title is an incident's one-line description when it opens.
func (t texts) Title(kind string) string { return t.kindText(kind, "open") }

// incident renders an incident's opening or clearing.
func (t texts) incident(c store.IncidentChange, zone *time.Location) Message {
	var subject, title string
	var body []string
	if c.Event == store.IncidentOpened {
		title = t.kindText(c.Kind, "open")
		subject = "[" + t.t("alerts.prefix", nil) + "] " + t.t("alerts.opened", nil) + ": " + title
		body = append(body, title, "", t.kindText(c.Kind, "do"))
		if d := strings.TrimSpace(c.Message); d != "" {
			body = append(body, "", t.t("alerts.detail", map[string]any{"Detail": d}))
		}
		body = append(body, t.t("alerts.since", map[string]any{"At": c.Opened.In(zone).Format(timeLayout)}))
	} else {
		title = t.kindText(c.Kind, "close")
		subject = "[" + t.t("alerts.prefix", nil) + "] " + t.t("alerts.cleared", nil) + ": " + title
		body = append(body, title, "",
			t.t("alerts.since", map[string]any{"At": c.Opened.In(zone).Format(timeLayout)})+" — "+
				c.Cleared.In(zone).Format(timeLayout))
	}
	body = append(body, "", t.t("alerts.footer", map[string]any{"Host": t.host}))
	return Message{Subject: subject, Body: strings.Join(body, "\n")}
}

// SummaryData is what the daily summary reports.
type SummaryData struct {
	Day                         time.Time // yesterday (local midnight)
	Total, Delivered, Failed    int       // calls received yesterday
	Waiting, NotDelivered, Attn int       // now
	Open                        []string  // kinds of the incidents open now
}

func (t texts) summary(d SummaryData) Message {
	day := d.Day.Format("02.01.2006")
	counts := map[string]any{"Day": day, "Total": d.Total, "Delivered": d.Delivered, "Failed": d.Failed,
		"Waiting": d.Waiting, "NotDelivered": d.NotDelivered, "Attention": d.Attn}
	subject := "[" + t.t("alerts.prefix", nil) + "] " + t.t("alerts.summary.subject", counts)
	body := []string{t.t("alerts.summary.line", counts), t.t("alerts.summary.now", counts), ""}
	var todo []string
	if d.NotDelivered > 0 {
		todo = append(todo, t.t("alerts.summary.todo_failed", nil))
	}
	if d.Attn > 0 {
		todo = append(todo, t.t("alerts.summary.todo_attention", nil))
	}
	for _, k := range d.Open {
		todo = append(todo, t.t("alerts.summary.todo_incident", map[string]any{"Title": t.Title(k) + ". " + t.kindText(k, "do")}))
	}
	if len(todo) == 0 {
		body = append(body, t.t("alerts.summary.ok", nil))
	} else {
		body = append(body, t.t("alerts.summary.todo", nil))
		body = append(body, todo...)
	}
	body = append(body, "", t.t("alerts.footer", map[string]any{"Host": t.host}))
	return Message{Subject: subject, Body: strings.Join(body, "\n")}
}

func (t texts) test() Message {
	return Message{Subject: "[" + t.t("alerts.prefix", nil) + "] " + t.t("alerts.test.subject", nil),
		Body: t.t("alerts.test.body", nil) + "\n\n" + t.t("alerts.footer", map[string]any{"Host": t.host})}
}
