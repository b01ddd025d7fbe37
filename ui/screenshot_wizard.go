//go:build tour

package ui

// The screenshot tour's wizard scenes for issue 20: the VPBX page with a
// connection error (one message), the close explanation, «Изменить ключи»
// (the list, one key's page with «Отмена», the confirmation).

import (
	"context"
	"errors"
	"fmt"

	"mangotqm/ui/vm"
)

func (u *UI) wizardTourScenes(wiz func() *wizard) []scene {
	text := func(f func() bool) func() bool {
		return func() bool { return u.onUIText(func() string { return fmt.Sprint(f()) }) == "true" }
	}
	var keys *wizard
	return []scene{
		{name: "wizard-2e-vpbx-unreachable", setup: func() error {
			z := wiz()
			z.show(vm.StepIndex(z.steps, "ui.wizard.mango.title"))
			z.entries[0].SetText("abc") // a format hint first…
			z.checkVPBX()
			z.vpbx = &vm.VPBXCheck{Check: func(context.Context, string, string) (int, error) {
				return 0, errors.New("dial tcp: lookup app.mango-office.ru: no such host")
			}}
			z.entries[0].SetText("abcdefghijklmnopqrstuvwxyz1") // …then Mango cannot be reached
			z.entries[1].SetText("0123456789abcdef0123456789abcdef")
			z.checkVPBX()
			return nil
		}, ready: func() bool {
			return u.onUIText(func() string { return wiz().status.Text }) == u.tr.T("ui.wizard.vpbx.unreachable")
		}},
		{name: "wizard-8-close", setup: func() error {
			z := wiz()
			z.waitForURL()
			// The tour must not end here, nor depend on this user's
			// earlier answer: the explanation shows, nothing quits.
			u.app.Preferences().RemoveValue(prefCloseExplained)
			u.testQuit = func() { u.log.Error("the tour's close scene quit") }
			z.close()
			return nil
		}, ready: text(func() bool { return u.closeDialog != nil })},
		{name: "keys-1-list", setup: func() error {
			u.closeDialog.Hide()
			u.testQuit = nil
			wiz().w.Close()
			w := u.app.NewWindow(u.tr.T("ui.app.title"))
			keys = u.showKeys(w)
			w.Show()
			return nil
		}, ready: text(func() bool { return keys != nil && len(keys.keyEdits) > 0 })},
		{name: "keys-2-one-key", setup: func() error {
			for _, e := range keys.keyEdits {
				if e.row.TitleKey == "ui.wizard.ngrok.title" {
					e.btn.OnTapped()
					return nil
				}
			}
			return errors.New("no ngrok row in «Изменить ключи»")
		}, ready: text(func() bool { return keys.back != nil && keys.back.Text == u.tr.T("ui.keys.cancel") }), check: func() error {
			if keys.i < 0 || keys.title == nil {
				return fmt.Errorf("«Изменить» did not open the key's page (step %d)", keys.i)
			}
			return nil
		}},
		{name: "keys-3-saved", setup: func() error {
			keys.keySaved() // what a save ends with: the list and the confirmation in front
			return nil
		}, ready: func() bool { return true }},
	}
}
