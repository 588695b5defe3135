package wiring_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// The identity flows queue their mail in the transaction of their change:
// an invitation rolled back (here by a failure later in the same unit of
// work) leaves neither the member nor a mail; one committed has both, and
// its mail arrives once, through the workers.
func TestIdentityMailsAreQueuedWithTheirChange(t *testing.T) {
	t.Parallel()
	env := pgtest.Private(t) // its own queue: its workers deliver to this test's mail server
	services, srv := mailing(t, env)
	ctx := context.Background()
	tn := newCompany(t, env, "Initech", "fr")
	tctx := tenants.NewContext(ctx, tn)
	ids := services.Deps.Identity

	gone, kept := mailtest.Address(t), mailtest.Address(t)
	err := env.App.InTx(tctx, func(ctx context.Context) error {
		if _, err := ids.Invite(ctx, nil, identity.InviteInput{Email: gone}, identity.Client{IP: "test"}); err != nil {
			return err
		}
		return errs.E(errs.Conflict, "a later step of the change failed")
	})
	if errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("unit of work: %v; want its own failure", err)
	}
	if _, err := postgres.NewMemberDirectory(env.App).ByEmail(tctx, gone); !errs.Is(err, errs.NotFound) {
		t.Errorf("the rolled-back invitation is there (%v)", err)
	}
	if n := queuedMails(t, env, gone); n != 0 {
		t.Errorf("%d mails queued for a rolled-back invitation; want none", n)
	}

	if _, err := ids.Invite(tctx, nil, identity.InviteInput{Email: kept}, identity.Client{IP: "test"}); err != nil {
		t.Fatal(err)
	}
	srv.WaitFor(t, kept, 30*time.Second)
	if err := ids.RequestSignInLink(tctx, kept, identity.Client{IP: "test"}); err != nil {
		t.Fatal(err)
	}
	if n := queuedMails(t, env, kept); n != 1 {
		// The invitee is not active yet: no sign-in link, and one job only.
		t.Errorf("%d mails queued for %s; want the invitation only", n, kept)
	}
	time.Sleep(time.Second)
	if n := len(srv.Messages(t, kept)); n != 1 || len(srv.Messages(t, gone)) != 0 {
		t.Errorf("%d mails to the invitee, %d to the rolled-back one; want 1 and 0", n, len(srv.Messages(t, gone)))
	}
}

// No mail leaves but through the outbox: the only code that opens a mail
// server is the command line's mailSender, whose sender goes to
// wiring.New, which gives it to the queue's workers alone. A new call to
// mail.NewSMTP or mail.Open elsewhere (a mail sent inline, outside the
// transaction of its change) fails here.
func TestNoMailIsSentOutsideTheOutbox(t *testing.T) {
	root := filepath.Join("..", "..")
	allowed := map[string]bool{
		filepath.Join(root, "cmd", "vendredi", "wire.go"): true, // mailSender: handed to wiring.New
		filepath.Join(root, "internal", "mail", "log.go"): true, // mail.Open itself
	}
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			strings.Contains(path, "mailtest") || allowed[path] {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "mail" && (sel.Sel.Name == "NewSMTP" || sel.Sel.Name == "Open") {
				found = append(found, path+": mail."+sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("mail sent outside the outbox (queue it with jobs.Outbox instead):\n%s", strings.Join(found, "\n"))
	}
}
