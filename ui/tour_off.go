//go:build !tour

package ui

// The screenshot tour (screenshot*.go, rules_tour.go) is not product code:
// it is built only with the build tag tour (the screenshot test's binary).

// takeScreenshot: this build has no tour.
func (u *UI) takeScreenshot() {
	u.log.Warn("the screenshot tour is not in this build (build tag tour)")
}
