package jobs

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/vendredi-app/vendredi/tenants"
)

// RetentionArgs starts the daily retention pass: one job per active
// company follows, which purges the personal data of its campaigns ended
// longer ago than its retention (privacy.Service.PurgeExpired).
type RetentionArgs struct{}

// Kind implements river.JobArgs.
func (RetentionArgs) Kind() string { return "privacy_retention" }

// CompanyRetentionArgs applies one company's retention, under its
// row-level security.
type CompanyRetentionArgs struct {
	Tenant uuid.UUID `json:"tenant_id"`
}

// Kind implements river.JobArgs.
func (CompanyRetentionArgs) Kind() string { return "company_privacy_retention" }

// RetentionPeriod is how often the pass runs: retention counts in months,
// a day late is nothing.
const RetentionPeriod = 24 * time.Hour

func (q *Queue) addRetentionWorkers(w *river.Workers) {
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[RetentionArgs]) error {
		if q.svc.PurgeExpired == nil {
			return nil
		}
		list, err := q.svc.Tenants.List(ctx)
		if err != nil {
			return err
		}
		var ids []uuid.UUID
		for _, t := range list {
			if t.Status == tenants.Active {
				ids = append(ids, t.ID)
			}
		}
		return q.perCompany(ctx, RetentionPeriod, ids, func(id uuid.UUID) river.JobArgs { return CompanyRetentionArgs{Tenant: id} })
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[CompanyRetentionArgs]) error {
		ctx, t, err := q.tenantOf(ctx, j.Args.Tenant)
		if err != nil || t == nil || q.svc.PurgeExpired == nil {
			return err
		}
		return q.svc.PurgeExpired(ctx)
	}))
}
