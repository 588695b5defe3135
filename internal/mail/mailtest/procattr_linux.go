package mailtest

import "syscall"

// sysProcAttr makes the kernel kill mailpit if the test binary dies without
// running Main's clean-up (a panic, a -timeout, a kill), so that no mailpit
// outlives its tests.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
