package jobs

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/vendredi-app/vendredi/tenants"
)

// The periodic passes. Each is enqueued by the leader only, unique for its
// period: a new leader elected mid-period (a deploy, a crash) finds the
// period's job and enqueues nothing, so a pass runs once per period however
// many processes work the queue. Each pass is idempotent besides (it acts
// on what is due and records what it did), so that a job retried after a
// crash does not act twice.

// CampaignsDueArgs starts the hourly campaign pass: one job per active
// company follows.
type CampaignsDueArgs struct{}

// Kind implements river.JobArgs.
func (CampaignsDueArgs) Kind() string { return "campaigns_due" }

// CompanyCampaignsArgs launches one company's due campaigns, under its
// row-level security.
type CompanyCampaignsArgs struct {
	Tenant uuid.UUID `json:"tenant_id"`
}

// Kind implements river.JobArgs.
func (CompanyCampaignsArgs) Kind() string { return "company_campaigns_due" }

// MissionEventsArgs mails mission events and cancels the sign-ups of
// flagged missions: a safety net behind the mails sent with each change.
type MissionEventsArgs struct{}

// Kind implements river.JobArgs.
func (MissionEventsArgs) Kind() string { return "mission_events" }

// LateApplicationsArgs flags the applications left unanswered for a week.
type LateApplicationsArgs struct{}

// Kind implements river.JobArgs.
func (LateApplicationsArgs) Kind() string { return "late_applications" }

// RemindersArgs starts the minute's reminder pass: one job follows per
// company with a reminder due.
type RemindersArgs struct{}

// Kind implements river.JobArgs.
func (RemindersArgs) Kind() string { return "reminders" }

// CompanyRemindersArgs sends one company's due reminders, under its
// row-level security.
type CompanyRemindersArgs struct {
	Tenant uuid.UUID `json:"tenant_id"`
}

// Kind implements river.JobArgs.
func (CompanyRemindersArgs) Kind() string { return "company_reminders" }

// Every returns a periodic job that enqueues args every period (and when
// its process becomes leader), at most once per period across processes.
func Every(period time.Duration, args river.JobArgs) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(period), func() (river.JobArgs, *river.InsertOpts) {
		return args, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: period}}
	}, &river.PeriodicJobOpts{RunOnStart: true, ID: args.Kind()})
}

func periodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		// Scheduled campaigns start on their first day (a campaign is
		// scheduled by the day): an hour's delay at most.
		Every(time.Hour, CampaignsDueArgs{}),
		Every(time.Minute, MissionEventsArgs{}),
		// Applications unanswered for a week (JeVeuxAider's response time).
		Every(time.Hour, LateApplicationsArgs{}),
		// Reminders go within a minute of their time: a pass a minute
		// finds what fell due (a reminder scheduled ahead as a job would
		// miss a slot moved or a participation cancelled since).
		Every(time.Minute, RemindersArgs{}),
		// Personal data of campaigns past the company's retention.
		Every(RetentionPeriod, RetentionArgs{}),
		// Seats that a missed change left behind follow within the hour.
		Every(time.Hour, BillingReconcileArgs{}),
	}
}

func (q *Queue) addPassWorkers(w *river.Workers) {
	q.addRetentionWorkers(w)
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[CampaignsDueArgs]) error {
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
		return q.perCompany(ctx, time.Hour, ids, func(id uuid.UUID) river.JobArgs { return CompanyCampaignsArgs{Tenant: id} })
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[RemindersArgs]) error {
		ids, err := q.svc.ReminderCompanies(ctx)
		if err != nil {
			return err
		}
		return q.perCompany(ctx, time.Minute, ids, func(id uuid.UUID) river.JobArgs { return CompanyRemindersArgs{Tenant: id} })
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[CompanyRemindersArgs]) error {
		ctx, t, err := q.tenantOf(ctx, j.Args.Tenant)
		if err != nil || t == nil {
			return err
		}
		return q.svc.SendReminders(ctx)
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[CompanyCampaignsArgs]) error {
		ctx, t, err := q.tenantOf(ctx, j.Args.Tenant)
		if err != nil || t == nil {
			return err
		}
		q.svc.StartDue(ctx, t)
		return nil
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[MissionEventsArgs]) error {
		q.svc.MissionEvents(ctx)
		return nil
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[LateApplicationsArgs]) error {
		q.svc.LateApplications(ctx)
		return nil
	}))
}

// perCompany enqueues one job per company of ids, unique for the period:
// a fan-out retried after a crash does not enqueue a company twice, and
// one company's failure is retried alone.
func (q *Queue) perCompany(ctx context.Context, period time.Duration, ids []uuid.UUID, args func(uuid.UUID) river.JobArgs) error {
	if len(ids) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: args(id),
			InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: period}}}
	}
	_, err := q.client.InsertMany(ctx, params)
	if err != nil {
		slog.WarnContext(ctx, "per-company jobs not enqueued", "err", err)
	}
	return err
}

func decodeArgs(j *rivertype.JobRow, into any) error { return json.Unmarshal(j.EncodedArgs, into) }
