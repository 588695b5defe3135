package mail_test

import (
	"context"
	"testing"

	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
)

// BenchmarkSend is one rendered sign-in mail (text and HTML) sent to mailpit
// on loopback, one connection per message: the cost a request pays. Figures
// are in docs/mail.md.
func BenchmarkSend(b *testing.B) {
	srv := mailtest.Start(b)
	s := newSender(b, srv.SMTPURL())
	m := benchMessage(b, mailtest.Address(b))
	b.ResetTimer()
	for b.Loop() {
		if err := s.Send(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendParallel is the throughput with GOMAXPROCS senders at once.
func BenchmarkSendParallel(b *testing.B) {
	srv := mailtest.Start(b)
	s := newSender(b, srv.SMTPURL())
	m := benchMessage(b, mailtest.Address(b))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.Send(context.Background(), m); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkRender(b *testing.B) {
	for b.Loop() {
		benchMessage(b, "zoe@acme.example")
	}
}

func benchMessage(b *testing.B, to string) mail.Message {
	m, err := mail.Render(mail.TemplateSignIn, "fr", mail.SignIn{Link: "https://acme.localhost/auth/a1b2c3d4e5f6", ValidFor: 15 * 60 * 1e9})
	if err != nil {
		b.Fatal(err)
	}
	m.To = []mail.Address{{Name: "Zoé Lefèvre", Email: to}}
	return m
}
