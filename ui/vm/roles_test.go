package vm_test

import (
	"mangotqm/ui/vm"
	"mangotqm/ui/vm/vmtest"
)

// The UI tests' backend plays every role the main window's view models use.
var (
	_ vm.Backend    = (*vmtest.Fake)(nil)
	_ vm.CallLog    = (*vmtest.Fake)(nil)
	_ vm.Deliveries = (*vmtest.Fake)(nil)
	_ vm.Mappings   = (*vmtest.Fake)(nil)
	_ vm.Tunnel     = (*vmtest.Fake)(nil)
	_ vm.Place      = (*vmtest.Fake)(nil)
)

// The main window's Backend serves each view model's consumer-side source.
var (
	_ vm.HeaderSource   = vm.Backend(nil)
	_ vm.DetailsSource  = vm.Backend(nil)
	_ vm.ActionsBackend = vm.Backend(nil)
)
