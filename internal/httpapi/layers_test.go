package httpapi_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The HTTP layer calls services, never storage: the postgres package, the
// job queue's internals or the migrations must not be among its
// dependencies, even indirectly. internal/wiring is the one place that
// knows both sides.
func TestTransportDoesNotDependOnStorage(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"/internal/postgres", "/internal/jobs", "/internal/wiring", "/migrations"} {
			if strings.Contains(dep, banned) {
				t.Errorf("internal/httpapi depends on %s: call a service instead", dep)
			}
		}
	}
}
