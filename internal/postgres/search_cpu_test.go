package postgres_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vendredi-app/vendredi/internal/postgres"
)

// backendCPU is the CPU time, in ns, the database's backends have used
// (the first field of /proc/PID/schedstat; the query reading them
// counts too, the same in every run): what a benchmark reports per
// operation as db-cpu-us beside its wall times, which the machine's
// neighbours disturb more. 0 if PostgreSQL runs elsewhere.
func backendCPU(tb testing.TB, db *postgres.DB) int64 {
	tb.Helper()
	var pids []int
	if err := db.NewRaw("SELECT pid FROM pg_stat_activity WHERE datname = current_database()").
		Scan(context.Background(), &pids); err != nil {
		tb.Fatal(err)
	}
	var sum int64
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/schedstat")
		if err != nil {
			return 0
		}
		ns, _ := strconv.ParseInt(strings.Fields(string(b))[0], 10, 64)
		sum += ns
	}
	return sum
}
