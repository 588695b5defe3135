package postgres_test

import (
	"os"
	"testing"

	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(mailtest.Run(func() int { return pgtest.Main(m) })) }
