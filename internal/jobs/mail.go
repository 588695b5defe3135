package jobs

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/tenants"
)

// MailArgs is one mail of the outbox, rendered when it was caused, so that
// what is sent is what the change said.
type MailArgs struct {
	Message mail.Message `json:"message"`
	// Tenant is the company the mail is about, if any: staff see it on
	// the failed deliveries page.
	Tenant uuid.UUID `json:"tenant_id,omitzero"`
}

// Kind implements river.JobArgs.
func (MailArgs) Kind() string { return "mail" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (MailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: MailAttempts} }

// Outbox is the mail.Sender of the services: Send enqueues the mail, in
// the transaction of ctx when there is one, and a worker delivers it with
// retries. A nil error means the mail will be delivered (or shown to staff
// as failed), not that it was.
type Outbox struct{ q *Queue }

// Outbox returns the queue's outbox.
func (q *Queue) Outbox() Outbox { return Outbox{q: q} }

var _ mail.Sender = Outbox{}

// Send implements mail.Sender. A message that could never be sent fails
// here, in the caller, with the Sender's errs.Invalid.
func (o Outbox) Send(ctx context.Context, m mail.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if m.ID == "" {
		m.ID = uuid.NewString()
	}
	args := MailArgs{Message: m}
	if t, ok := tenants.FromContext(ctx); ok {
		args.Tenant = t.ID
	}
	if _, err := o.q.Insert(ctx, args, nil); err != nil {
		return errs.Wrap(err, errs.Unavailable, "the email could not be queued")
	}
	return nil
}

type mailWorker struct {
	river.WorkerDefaults[MailArgs]
	q *Queue
}

// Work delivers the mail. A message the server refuses for good is
// cancelled at once (retrying cannot help); anything else is retried.
func (w *mailWorker) Work(ctx context.Context, job *river.Job[MailArgs]) error {
	err := w.q.svc.Mail.Send(ctx, job.Args.Message)
	if errs.CodeOf(err) == errs.Invalid {
		return river.JobCancel(err)
	}
	return err
}

// FailedMail is the outbox's report of a mail given up on.
type FailedMail = mail.Failed

// FailedMails lists the mails that failed for good, latest first.
func (q *Queue) FailedMails(ctx context.Context, limit int) ([]FailedMail, error) {
	res, err := q.client.JobList(ctx, river.NewJobListParams().Kinds(MailArgs{}.Kind()).
		States(rivertype.JobStateDiscarded, rivertype.JobStateCancelled).
		OrderBy(river.JobListOrderByFinalizedAt, river.SortOrderDesc).First(limit))
	if err != nil {
		return nil, err
	}
	out := make([]FailedMail, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		var args MailArgs
		if err := decodeArgs(j, &args); err != nil {
			return nil, err
		}
		f := FailedMail{ID: j.ID, Subject: args.Message.Subject, Tenant: args.Tenant, Attempts: j.Attempt}
		to := make([]string, len(args.Message.To))
		for i, a := range args.Message.To {
			to[i] = a.Email
		}
		f.To = strings.Join(to, ", ")
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

// RetryMail sends a failed mail again; errs.NotFound when id is no failed
// mail.
func (q *Queue) RetryMail(ctx context.Context, id int64) error {
	j, err := q.client.JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) || err == nil && (j.Kind != MailArgs{}.Kind() ||
		j.State != rivertype.JobStateDiscarded && j.State != rivertype.JobStateCancelled) {
		return errs.E(errs.NotFound, "no failed mail %d", id)
	}
	if err != nil {
		return err
	}
	_, err = q.client.JobRetry(ctx, id)
	return err
}
