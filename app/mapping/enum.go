package mapping

import "slices"

// EnumValues are the values TQM accepts for field, in TQM's spelling (nil
// when the field is free text): the mapping editor offers them by name.
func EnumValues(field string) []string { return slices.Clone(enumValues[field]) }
