package ui

// Reconcile with Mango and loading a past period: the header's reconcile
// line and the «Загрузить звонки за период…» dialog. Both exist only for a
// backend that reconciles (vm.Reconciler).

import (
	"context"
	"errors"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/bridge"
	"mangotqm/app/reconcile"
	"mangotqm/ui/vm"
)

// buildReconcileLine: the header's reconcile line, hidden until a run.
func (m *mainWindow) buildReconcileLine() fyne.CanvasObject {
	m.recon = widget.NewLabel("")
	m.recon.Wrapping = fyne.TextWrapWord
	m.recon.Hidden = true
	return m.recon
}

// applyReconcileLine shows the last reconcile (or why it failed).
func (m *mainWindow) applyReconcileLine(l vm.ReconcileLine) {
	if m.recon == nil {
		return
	}
	if l.Key == "" {
		m.recon.Hide()
		return
	}
	reason := ""
	if l.ReasonKey != "" {
		data := l.ReasonData()
		data["Error"] = m.u.redactor.Redact(l.Error)
		reason = m.tr.T(l.ReasonKey, data)
	}
	m.recon.Importance = widget.MediumImportance
	if l.Failed {
		m.recon.Importance = widget.WarningImportance
	}
	m.recon.SetText(m.tr.T(l.Key, l.Data(reason)))
	m.recon.Show()
}

// backfillButton is the dialog's button (nil when the backend does not
// reconcile, e.g. demo mode).
func (m *mainWindow) backfillButton() fyne.CanvasObject {
	r, ok := m.b.(vm.Reconciler)
	if !ok || m.b.Demo() {
		return nil
	}
	return widget.NewButton(m.tr.T("ui.action.backfill"), func() { m.backfillDialog(r) })
}

// backfillForm is the dialog's content and state.
type backfillForm struct {
	from, to          *widget.Entry
	bar               *widget.ProgressBar
	status            *widget.Label
	startBtn, stopBtn *widget.Button
	content           fyne.CanvasObject
	cancel            context.CancelFunc // set while a backfill runs (UI goroutine only)
	onClose           func()
}

// backfillDialog: two dates, a progress bar, Cancel, and the counts.
func (m *mainWindow) backfillDialog(r vm.Reconciler) {
	f := m.newBackfillForm(r)
	d := dialog.NewCustomWithoutButtons(m.tr.T("ui.backfill.title"), f.content, m.w)
	f.onClose = d.Hide
	d.Resize(fyne.NewSize(560, 0))
	d.Show()
}

func (m *mainWindow) newBackfillForm(r vm.Reconciler) *backfillForm {
	f := &backfillForm{from: widget.NewEntry(), to: widget.NewEntry(), bar: widget.NewProgressBar(),
		status: widget.NewLabel("")}
	df, dt := vm.DefaultBackfill(m.u.clk().Now())
	f.from.SetText(df)
	f.to.SetText(dt)
	help := widget.NewLabel(m.tr.T("desk.backfill.help"))
	help.Wrapping = fyne.TextWrapWord
	f.bar.Hide()
	f.status.Wrapping = fyne.TextWrapWord
	f.startBtn = widget.NewButton(m.tr.T("ui.backfill.start"), func() { m.startBackfill(r, f) })
	f.startBtn.Importance = widget.HighImportance
	f.from.SetPlaceHolder(m.tr.T("desk.date.hint"))
	f.to.SetPlaceHolder(m.tr.T("desk.date.hint"))
	f.stopBtn = widget.NewButton(m.tr.T("ui.wizard.close"), func() {
		if f.cancel != nil {
			f.cancel()
			return
		}
		if f.onClose != nil {
			f.onClose()
		}
	})
	form := widget.NewForm(widget.NewFormItem(m.tr.T("ui.backfill.from"), f.from), widget.NewFormItem(m.tr.T("ui.backfill.to"), f.to))
	f.content = container.NewVBox(help, form, f.bar, f.status, container.NewHBox(f.startBtn, f.stopBtn))
	return f
}

func (m *mainWindow) setBackfillRunning(f *backfillForm, on bool) {
	if on {
		f.startBtn.Disable()
		f.from.Disable()
		f.to.Disable()
		f.stopBtn.SetText(m.tr.T("ui.action.cancel"))
		return
	}
	f.cancel = nil
	f.startBtn.Enable()
	f.from.Enable()
	f.to.Enable()
	f.stopBtn.SetText(m.tr.T("ui.wizard.close"))
}

func (m *mainWindow) startBackfill(r vm.Reconciler, f *backfillForm) {
	from, to, err := vm.ParseBackfill(f.from.Text, f.to.Text, m.u.clk().Now())
	if err != nil {
		f.bar.Hide() // no stale «0%» beside the message
		f.status.SetText(dateErrorText(m.tr, err))
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	f.cancel = stop
	m.setBackfillRunning(f, true)
	f.bar.SetValue(0)
	f.bar.Show()
	f.status.SetText(m.tr.T("ui.backfill.waiting"))
	m.pending.Add(1)
	go func() {
		defer m.pending.Done()
		defer stop()
		p, err := r.Backfill(ctx, from, to, func(p reconcile.Progress) {
			m.u.onUI(func() {
				f.bar.SetValue(vm.ProgressValue(p))
				f.status.SetText(m.tr.T("ui.backfill.progress", vm.ProgressData(p)))
			})
		})
		m.u.onUI(func() {
			m.setBackfillRunning(f, false)
			switch {
			case errors.Is(err, context.Canceled):
				f.status.SetText(m.tr.T("ui.backfill.cancelled"))
			case errors.Is(err, bridge.ErrNoVPBX):
				f.bar.Hide()
				f.status.SetText(m.tr.T("ui.backfill.no_vpbx"))
			case err != nil:
				f.bar.Hide()
				f.status.SetText(m.tr.T("desk.backfill.failed"))
				m.u.showError(m.w, "ui.error.backfill", err)
			default:
				f.bar.SetValue(1)
				f.status.SetText(m.tr.T("ui.backfill.done", vm.ProgressData(p)) + vm.SkippedByText(p.SkippedBy, m.tr.Data))
			}
		})
		m.requestRefresh()
	}()
}

// reconcileChoices are the settings' reconcile intervals (0 = off).
var reconcileChoices = []time.Duration{0, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour}

// reconcileSelect is the settings' «Сверка с Mango» choice, set to every
// (an interval not in the list is added).
func reconcileSelect(tr Tr, every time.Duration) (*widget.Select, func() time.Duration) {
	choices := append([]time.Duration(nil), reconcileChoices...)
	if !slices.Contains(choices, every) {
		choices = append(choices, every)
	}
	labels := make([]string, len(choices))
	for i, d := range choices {
		labels[i] = vm.EveryPhrase(d, tr.Data)
		if d == 0 {
			labels[i] = tr.T("ui.settings.reconcile.off")
		}
	}
	sel := widget.NewSelect(labels, nil)
	sel.SetSelectedIndex(slices.Index(choices, every))
	return sel, func() time.Duration {
		if i := sel.SelectedIndex(); i >= 0 {
			return choices[i]
		}
		return every
	}
}

// dateErrorText says which date field broke which rule (format, future,
// order), in the user's words.
func dateErrorText(tr Tr, err error) string {
	var de *vm.DateError
	if errors.As(err, &de) {
		return tr.T(de.Key(), de.Data(func(k string) string { return tr.T(k) }))
	}
	return tr.T("desk.date.format", map[string]any{"Field": "", "Text": ""})
}
