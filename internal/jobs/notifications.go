package jobs

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/notify"
	"github.com/vendredi-app/vendredi/tenants"
)

// The weekly digests and the chat posts (Slack, Teams). A digest goes to a
// person at most once a week: the weekly pass fans out one job per company
// and week (unique by its arguments), and each person's digest is recorded
// in the transaction that queues its mail. A chat post is a job of its own,
// retried with backoff, queued in the transaction of what it tells: a
// channel that is down delays nothing else.

// NotifyServices are what the notification jobs call.
type NotifyServices struct {
	// CompanyDigest sends the HR admins' digests of the company of ctx
	// for week (a Monday).
	CompanyDigest func(ctx context.Context, week time.Time) error
	// AssociationDigests sends the managers' digests for week.
	AssociationDigests func(ctx context.Context, week time.Time) error
	// CampaignsEnding queues, through Queue.Chat, the chat posts of the
	// company of ctx's campaigns ending in three days.
	CampaignsEnding func(ctx context.Context) error
	// PostChat posts to the company of ctx's channel (none: nothing).
	PostChat func(ctx context.Context, m notify.ChatMessage) error
}

// DigestsArgs starts the week's digests: one job per company, and one for
// the associations' managers, follow.
type DigestsArgs struct{}

// Kind implements river.JobArgs.
func (DigestsArgs) Kind() string { return "digests" }

// CompanyDigestArgs sends one company's HR admins' digests of a week.
type CompanyDigestArgs struct {
	Tenant uuid.UUID `json:"tenant_id"`
	Week   string    `json:"week"` // its Monday, 2026-11-30
}

// Kind implements river.JobArgs.
func (CompanyDigestArgs) Kind() string { return "company_digest" }

// AssociationDigestsArgs sends the managers' digests of a week.
type AssociationDigestsArgs struct {
	Week string `json:"week"`
}

// Kind implements river.JobArgs.
func (AssociationDigestsArgs) Kind() string { return "association_digests" }

// CampaignsEndingArgs starts the day's pass over campaigns ending in three
// days: one job per company follows.
type CampaignsEndingArgs struct{}

// Kind implements river.JobArgs.
func (CampaignsEndingArgs) Kind() string { return "campaigns_ending" }

// CompanyCampaignsEndingArgs posts one company's campaigns ending soon.
type CompanyCampaignsEndingArgs struct {
	Tenant uuid.UUID `json:"tenant_id"`
	Day    string    `json:"day"`
}

// Kind implements river.JobArgs.
func (CompanyCampaignsEndingArgs) Kind() string { return "company_campaigns_ending" }

// ChatArgs is one post to a company's channel. Key names what it tells
// ("launch:<campaign>"): a post with the same key is queued once.
type ChatArgs struct {
	Tenant  uuid.UUID          `json:"tenant_id" river:"unique"`
	Key     string             `json:"key" river:"unique"`
	Message notify.ChatMessage `json:"message"`
}

// Kind implements river.JobArgs.
func (ChatArgs) Kind() string { return "chat" }

// ChatAttempts is how many times a post is tried: about two hours of
// backoff, then it is shown as failed on the company's settings page.
const ChatAttempts = 8

// InsertOpts implements river.JobArgsWithInsertOpts.
func (ChatArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: ChatAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Chat queues a post to the company of ctx's channel, in the transaction
// of ctx when there is one, once per key.
func (q *Queue) Chat(ctx context.Context, key string, m notify.ChatMessage) error {
	t, err := tenants.Require(ctx)
	if err != nil {
		return err
	}
	if _, err := q.Insert(ctx, ChatArgs{Tenant: t.ID, Key: key, Message: m}, nil); err != nil {
		return errs.Wrap(err, errs.Unavailable, "the chat message could not be queued")
	}
	return nil
}

// weekly is the digests' schedule: Monday morning, Paris time.
type weekly struct{}

func (weekly) Next(t time.Time) time.Time { return notify.NextDigest(t) }

// WeeklyDigests is the digests' periodic job: Monday morning, and on a
// leader's start too, so that a leader elected after Monday's hour
// catches the week up; nobody gets a digest twice (see CompanyDigestArgs).
func WeeklyDigests() *river.PeriodicJob {
	return river.NewPeriodicJob(weekly{}, func() (river.JobArgs, *river.InsertOpts) {
		return DigestsArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
	}, &river.PeriodicJobOpts{RunOnStart: true, ID: DigestsArgs{}.Kind()})
}

func notificationJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{WeeklyDigests(), Every(6*time.Hour, CampaignsEndingArgs{})}
}

func (q *Queue) addNotificationWorkers(w *river.Workers) {
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[DigestsArgs]) error {
		now := time.Now()
		if !notify.DigestDue(now) {
			return nil
		}
		week := notify.WeekOf(now).Format(time.DateOnly)
		ids, err := q.activeCompanies(ctx)
		if err != nil {
			return err
		}
		params := []river.InsertManyParams{{Args: AssociationDigestsArgs{Week: week},
			InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}}}
		for _, id := range ids {
			params = append(params, river.InsertManyParams{Args: CompanyDigestArgs{Tenant: id, Week: week},
				InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}})
		}
		_, err = q.client.InsertMany(ctx, params)
		return err
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[CompanyDigestArgs]) error {
		week, err := weekArg(j.Args.Week)
		if err != nil {
			return river.JobCancel(err)
		}
		ctx, t, err := q.tenantOf(ctx, j.Args.Tenant)
		if err != nil || t == nil {
			return err
		}
		return q.svc.Notify.CompanyDigest(ctx, week)
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[AssociationDigestsArgs]) error {
		week, err := weekArg(j.Args.Week)
		if err != nil {
			return river.JobCancel(err)
		}
		return q.svc.Notify.AssociationDigests(ctx, week)
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[CampaignsEndingArgs]) error {
		ids, err := q.activeCompanies(ctx)
		if err != nil {
			return err
		}
		day := time.Now().Format(time.DateOnly)
		return q.perCompany(ctx, 24*time.Hour, ids, func(id uuid.UUID) river.JobArgs {
			return CompanyCampaignsEndingArgs{Tenant: id, Day: day}
		})
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[CompanyCampaignsEndingArgs]) error {
		ctx, t, err := q.tenantOf(ctx, j.Args.Tenant)
		if err != nil || t == nil {
			return err
		}
		return q.svc.Notify.CampaignsEnding(ctx)
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[ChatArgs]) error {
		ctx, t, err := q.tenantOf(ctx, j.Args.Tenant)
		if err != nil || t == nil {
			return err
		}
		return q.svc.Notify.PostChat(ctx, j.Args.Message)
	}))
}

func weekArg(s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, err
	}
	return notify.WeekOf(d.Add(12 * time.Hour)), nil
}

// activeCompanies are the ids of the companies that get background work.
func (q *Queue) activeCompanies(ctx context.Context) ([]uuid.UUID, error) {
	list, err := q.svc.Tenants.List(ctx)
	if err != nil {
		return nil, err
	}
	var ids []uuid.UUID
	for _, t := range list {
		if t.Status == tenants.Active {
			ids = append(ids, t.ID)
		}
	}
	return ids, nil
}

// FailedChat is a chat post that failed for good.
type FailedChat = notify.FailedPost

// FailedChats lists the company of ctx's chat posts that failed for good,
// latest first.
func (q *Queue) FailedChats(ctx context.Context, limit int) ([]FailedChat, error) {
	t, err := tenants.Require(ctx)
	if err != nil {
		return nil, err
	}
	res, err := q.client.JobList(ctx, river.NewJobListParams().Kinds(ChatArgs{}.Kind()).
		States("discarded", "cancelled").Where("args->>'tenant_id' = @tenant", river.NamedArgs{"tenant": t.ID.String()}).
		OrderBy(river.JobListOrderByFinalizedAt, river.SortOrderDesc).First(limit))
	if err != nil {
		return nil, err
	}
	out := make([]FailedChat, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		var args ChatArgs
		if err := decodeArgs(j, &args); err != nil {
			return nil, err
		}
		f := FailedChat{ID: j.ID, Title: args.Message.Title, Attempts: j.Attempt}
		if n := len(j.Errors); n > 0 {
			f.Error = j.Errors[n-1].Error
		}
		if j.FinalizedAt != nil {
			f.At = *j.FinalizedAt
		}
		out = append(out, f)
	}
	return out, nil
}

// RetryChat posts a failed chat message of the company of ctx again;
// errs.NotFound when id is none of its failed posts.
func (q *Queue) RetryChat(ctx context.Context, id int64) error {
	list, err := q.FailedChats(ctx, 500)
	if err != nil {
		return err
	}
	for _, f := range list {
		if f.ID == id {
			_, err := q.client.JobRetry(ctx, id)
			return err
		}
	}
	return errs.E(errs.NotFound, "no failed chat message %d", id)
}
