package ui

// The desk scenes of the screenshot tour (desk_tour.go): settings errors,
// the period dialog's errors, the mapping editor in plain words with its
// zone error, the attempts in words, the quiet connection line.
var deskSceneNames = []string{"desk-1-settings-errors", "desk-2-period-future", "desk-3-period-format",
	"desk-4-mapping-plain", "desk-5-mapping-zone-error", "desk-6-attempts", "desk-7-connection-line"}

func init() { tourScenes = append(tourScenes, deskSceneNames...) }
