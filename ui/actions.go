package ui

// The main window's actions: resend, export, open folder, simulate.

import (
	"context"
	"errors"
	"io"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/demo"
	"mangotqm/ui/vm"
)

// buildActions: the buttons under the table.
func (m *mainWindow) buildActions() fyne.CanvasObject {
	m.exportBtn = widget.NewButton(m.tr.T("ui.action.export"), m.exportCSV)
	m.folderBtn = widget.NewButton(m.tr.T("ui.action.open_folder"), m.openFolder)
	actions := container.NewHBox(
		widget.NewButton(m.tr.T("desk.action.resend_failed"), m.resendFailedDialog),
		m.exportBtn,
		m.folderBtn,
		widget.NewButton(m.tr.T("ui.action.mapping"), func() { newMappingEditor(m.u, m.b).w.Show() }),
		widget.NewButton(m.tr.T("ui.action.settings"), func() { showSettings(m.u) }),
	)
	if b := m.backfillButton(); b != nil {
		actions.Add(b)
	}
	if m.b.Demo() {
		// "…": the menu opens on tap (Fyne's bundled font has no ▾, Windows has no fallback).
		m.simBtn = widget.NewButton(m.tr.T("ui.action.simulate")+"…", m.showSimMenu)
		m.simBtn.Importance = widget.HighImportance
		actions.Add(m.simBtn)
	}
	m.actionsBox = actions
	return actions
}

// simItems are demo mode's kinds of simulated calls: what each problem
// looks like before it happens for real.
func (m *mainWindow) simItems() []*fyne.MenuItem {
	var items []*fyne.MenuItem
	for _, s := range demo.Scenarios {
		items = append(items, fyne.NewMenuItem(m.tr.T(vm.ScenarioKey(s)), func() { m.simulateScenario(s) }))
	}
	return items
}

func (m *mainWindow) showSimMenu() {
	c := m.w.Canvas()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(m.simBtn)
	m.simMenu = widget.NewPopUpMenu(fyne.NewMenu("", m.simItems()...), c)
	m.simMenu.ShowAtPosition(pos.Add(fyne.NewPos(0, -m.simMenu.MinSize().Height)))
}

func (m *mainWindow) background(key string, f func(ctx context.Context) error) {
	m.pending.Add(1)
	go func() {
		defer m.pending.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := f(ctx); err != nil {
			m.u.onUI(func() { m.u.showError(m.w, key, err) })
		}
		m.requestRefresh()
	}()
}

func (m *mainWindow) resendFailedDialog() {
	since := widget.NewEntry()
	since.SetText(m.actions.DefaultSince())
	since.SetPlaceHolder(m.tr.T("desk.date.hint"))
	item := widget.NewFormItem(m.tr.T("desk.resend_failed.since"), since)
	item.HintText = m.tr.T("desk.date.hint") // the same two forms as the period dialog
	dialog.ShowForm(m.tr.T("ui.resend_failed.title"), m.tr.T("ui.action.resend"), m.tr.T("ui.action.cancel"),
		[]*widget.FormItem{item}, func(ok bool) {
			if !ok {
				return
			}
			text := since.Text
			if _, err := m.actions.ParseSince(text); err != nil {
				showProblems(m.tr, m.w, dateErrorText(m.tr, err), nil, "")
				return
			}
			m.background("ui.error.resend_failed", func(ctx context.Context) error {
				n, err := m.actions.ResendFailedSince(ctx, text)
				if err != nil {
					return err
				}
				m.u.onUI(func() {
					dialog.ShowInformation(m.tr.T("ui.resend_failed.title"),
						m.tr.T("ui.resend_failed.done", map[string]any{"N": n}), m.w)
				})
				return nil
			})
		}, m.w)
}

// exportCSV asks where to save the table (the data folder proposed), then
// writes it there.
func (m *mainWindow) exportCSV() {
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil {
			m.u.showError(m.w, "ui.error.export", err)
			return
		}
		if wc == nil {
			return // cancelled
		}
		m.exportTo(wc, wc.URI().Path())
	}, m.w)
	d.SetFileName(m.actions.ExportName())
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv"}))
	if l, err := storage.ListerForURI(storage.NewFileURI(m.actions.DataFolder())); err == nil {
		d.SetLocation(l)
	}
	d.Show()
	d.Resize(fitScreen(fyne.NewSize(900, 600))) // after Show: before, Fyne has no dialog to size
}

// exportTo writes the table's rows to the chosen file and says where.
func (m *mainWindow) exportTo(w io.WriteCloser, path string) {
	m.mu.Lock()
	rows := append([]vm.Row(nil), m.rows...)
	m.mu.Unlock()
	if err := m.actions.ExportTo(w, rows, func(k string) string { return m.tr.T(k) }); err != nil {
		m.u.showError(m.w, "ui.error.export", err)
		return
	}
	m.lastExport = path
	dialog.ShowInformation(m.tr.T("ui.action.export"), m.tr.T("ui.export.done", map[string]any{"Path": path}), m.w)
}

func (m *mainWindow) openFolder() {
	if err := m.actions.OpenDataFolder(); err != nil {
		m.u.log.Warn("shown to the user", "what", "open data folder", "err", err)
		m.folderProblem(m.actions.DataFolder(), m.u.redactor.Redact(err.Error())).Show()
	}
}

// folderProblem: the file manager did not open; the folder's path, to
// select or copy, and the technical detail under «Подробнее».
func (m *mainWindow) folderProblem(path, detail string) dialog.Dialog {
	msg := widget.NewLabel(m.tr.T("desk.folder.failed"))
	msg.Wrapping = fyne.TextWrapWord
	where := widget.NewEntry()
	where.SetText(path)
	var copyBtn *widget.Button
	copyBtn = widget.NewButton(m.tr.T("desk.folder.copy"), func() {
		m.app.Clipboard().SetContent(path)
		copyBtn.SetText(m.tr.T("desk.copied"))
	})
	box := container.NewVBox(msg, container.NewBorder(nil, nil, nil, copyBtn, where), detailsFold(m.tr, m.w, detail))
	d := dialog.NewCustom(m.tr.T("ui.error.title"), m.tr.T("ui.wizard.close"), box, m.w)
	d.Resize(fyne.NewSize(560, 0))
	return d
}

func (m *mainWindow) simulateScenario(s vm.Scenario) {
	m.background("ui.error.simulate", func(ctx context.Context) error {
		sim, ok := m.b.(vm.ScenarioSimulator)
		if !ok {
			return errors.New("simulated calls exist only in demo mode")
		}
		_, err := sim.SimulateScenario(ctx, s)
		return err
	})
}
