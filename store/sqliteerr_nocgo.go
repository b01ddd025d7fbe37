//go:build !cgo

package store

// Without cgo the SQLite driver is a stub that cannot open a database.
func isDamage(error) bool    { return false }
func sqliteFault(error) bool { return false }
