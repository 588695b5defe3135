//go:build !linux

package mailtest

import "syscall"

// sysProcAttr: only Linux can tie mailpit's life to ours; elsewhere Main's
// clean-up stops it.
func sysProcAttr() *syscall.SysProcAttr { return nil }
