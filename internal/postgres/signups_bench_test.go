package postgres_test

import (
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// BenchmarkSignUp signs employees up through the service, one at a time
// and 32 at once over 50 missions, and reports PostgreSQL's CPU per
// sign-up (db-cpu-us/op) beside the wall time, which the machine's
// neighbours disturb more: go test -run '^$' -bench SignUp ./internal/postgres
func BenchmarkSignUp(b *testing.B) {
	env := pgtest.New(b)
	svc := participations(b, env.App)
	for _, c := range []struct {
		name     string
		parallel int
	}{{"one at a time", 0}, {"32 at once, 50 missions", 32}} {
		b.Run(c.name, func(b *testing.B) {
			var missions []uuid.UUID
			for range 50 {
				m, _ := newMission(b, env.App, 1_000_000)
				missions = append(missions, m)
			}
			d := newDrive(b, env.App, b.N+64)
			apply := func(i int) {
				_, err := svc.Apply(d.ctx, d.employees[i], campaign.ApplyInput{CampaignID: d.campaign, MissionID: missions[i%len(missions)]})
				if err != nil {
					b.Error(err)
				}
			}
			cpu := backendCPU(b, env.App)
			b.ResetTimer()
			if c.parallel == 0 {
				for i := range b.N {
					apply(i)
				}
			} else {
				var next atomic.Int64
				b.SetParallelism((c.parallel + 1) / 2)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						apply(int(next.Add(1) - 1))
					}
				})
			}
			b.StopTimer()
			if cpu > 0 {
				b.ReportMetric(float64(backendCPU(b, env.App)-cpu)/1e3/float64(b.N), "db-cpu-us/op")
			}
		})
	}
}
