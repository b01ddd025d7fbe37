//go:build !tour

package main

import "mangotqm/ui"

// tourOptions: the product has no screenshot tour (see main_tour.go).
func tourOptions(*ui.Options) {}
