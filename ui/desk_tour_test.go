package ui

// The desk scenes of the screenshot tour (desk_tour.go): settings errors,
// the period dialog's errors, the mapping editor in plain words with its
// zone error, the attempts in words, the quiet connection line.
func init() { tourScenes = append(tourScenes, deskSceneNames...) }
