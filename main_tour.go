//go:build tour

package main

import (
	"os"
	"strings"

	"mangotqm/ui"
)

// tourOptions: the screenshot test's binary (build tag tour) takes its tour
// where MANGOTQM_SCREENSHOT says, limited to MANGOTQM_SCREENSHOT_SCENES.
func tourOptions(o *ui.Options) {
	o.Screenshot = os.Getenv("MANGOTQM_SCREENSHOT")
	o.ScreenshotScenes = strings.FieldsFunc(os.Getenv("MANGOTQM_SCREENSHOT_SCENES"),
		func(r rune) bool { return r == ',' || r == ' ' })
}
