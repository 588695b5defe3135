package mailtest

import (
	"net"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestLinksAreWhatAPersonWouldClick(t *testing.T) {
	htmlBody := `<a href="https://acme.localhost/auth?a=1&amp;b=2">Me connecter</a> <a href="mailto:rh@acme.example">RH</a>
<a href="https://acme.localhost/auth?a=1&amp;b=2">https://acme.localhost/auth?a=1&amp;b=2</a>`
	text := "Ouvrez https://acme.localhost/auth?a=1&b=2 ou (https://vendredi.localhost/aide). Merci."
	want := []string{"https://acme.localhost/auth?a=1&b=2", "https://vendredi.localhost/aide"}
	if got := links(htmlBody, text); !reflect.DeepEqual(got, want) {
		t.Errorf("links = %q, want %q", got, want)
	}
}

func TestAddressesAreUniquePerCall(t *testing.T) {
	a, b := Address(t), Address(t)
	if a == b || !strings.HasPrefix(a, "testaddressesareuniquepercall-") || !strings.HasSuffix(a, "@example.com") {
		t.Errorf("addresses %q and %q", a, b)
	}
}

func TestNewServerStopsWithItsTest(t *testing.T) {
	var addr string
	t.Run("user", func(t *testing.T) {
		addr = New(t).SMTPAddr()
	})
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("mailpit still listens on %s after its test ended", addr)
	}
}

// BenchmarkStart is the time to start a mailpit and see it ready, once its
// binary is built; figures are in docs/mail.md.
func BenchmarkStart(b *testing.B) {
	if _, err := binary(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s, err := start(nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.stop()
		b.StartTimer()
	}
}
