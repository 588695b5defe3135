package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Provision describes the roles and database a deployment needs. Production
// usually creates them with its own tooling; development and tests call
// Apply so that nobody has to do it by hand.
type Provision struct {
	Database  string
	OwnerRole string
	OwnerPass string
	AppRole   string
	AppPass   string
}

// DevProvision is what `make run` and the test harness use.
func DevProvision(database string) Provision {
	return Provision{
		Database: database, OwnerRole: "vendredi_owner", OwnerPass: "vendredi_owner",
		AppRole: DefaultAppRole, AppPass: DefaultAppRole,
	}
}

// Apply creates the roles (if missing) and the database (if missing) on the
// server of adminURL, which must allow CREATEROLE and CREATEDB. It is safe
// to run concurrently: roles are cluster-wide and test packages start at once.
func (p Provision) Apply(ctx context.Context, adminURL string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect as administrator: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtext('vendredi:provision'))"); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtext('vendredi:provision'))") //nolint:errcheck

	for _, r := range []struct{ name, pass, attrs string }{
		{p.OwnerRole, p.OwnerPass, "LOGIN NOSUPERUSER NOBYPASSRLS"},
		// The app role must be bound by row-level security: never BYPASSRLS.
		{p.AppRole, p.AppPass, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"},
	} {
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", r.name).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			q := fmt.Sprintf("CREATE ROLE %s %s PASSWORD %s", pgIdent(r.name), r.attrs, pgLiteral(r.pass))
			if _, err := conn.Exec(ctx, q); err != nil && !isDuplicate(err) {
				return fmt.Errorf("create role %s: %w", r.name, err)
			}
		}
	}
	if p.Database == "" {
		return nil
	}
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", p.Database).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if err := p.createDatabase(ctx, conn, ""); err != nil {
			return err
		}
	}
	return nil
}

// createDatabase creates p.Database owned by the owner role, optionally as a
// copy of template, and lets the app role connect.
func (p Provision) createDatabase(ctx context.Context, conn *pgx.Conn, template string) error {
	q := fmt.Sprintf("CREATE DATABASE %s OWNER %s", pgIdent(p.Database), pgIdent(p.OwnerRole))
	if template != "" {
		q += " TEMPLATE " + pgIdent(template)
	}
	if _, err := conn.Exec(ctx, q); err != nil && !isDuplicate(err) {
		return fmt.Errorf("create database %s: %w", p.Database, err)
	}
	q = fmt.Sprintf("GRANT CONNECT, TEMPORARY ON DATABASE %s TO %s", pgIdent(p.Database), pgIdent(p.AppRole))
	if _, err := conn.Exec(ctx, q); err != nil {
		return fmt.Errorf("grant connect: %w", err)
	}
	return nil
}

// URLs derives the owner's and the app's connection URLs from adminURL.
func (p Provision) URLs(adminURL string) (owner, app string, err error) {
	owner, err = withUser(adminURL, p.OwnerRole, p.OwnerPass, p.Database)
	if err != nil {
		return "", "", err
	}
	app, err = withUser(adminURL, p.AppRole, p.AppPass, p.Database)
	return owner, app, err
}

func withUser(raw, user, pass, database string) (string, error) {
	cfg, err := pgx.ParseConfig(raw)
	if err != nil {
		return "", fmt.Errorf("parse database URL: %w", err)
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, pass), Path: "/" + database}
	host := cfg.Host
	q := url.Values{}
	if strings.HasPrefix(host, "/") {
		// A Unix socket directory goes in the query; the URL host stays empty.
		q.Set("host", host)
	} else {
		u.Host = fmt.Sprintf("%s:%d", host, cfg.Port)
	}
	if cfg.TLSConfig == nil {
		q.Set("sslmode", "disable")
	}
	if strings.HasPrefix(host, "/") {
		q.Set("port", fmt.Sprint(cfg.Port))
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func isDuplicate(err error) bool {
	var pg *pgconn.PgError
	// 42710 duplicate_object (role), 42P04 duplicate_database, 23505 when two
	// sessions insert the same catalogue row at once.
	return errors.As(err, &pg) && (pg.Code == "42710" || pg.Code == "42P04" || pg.Code == "23505")
}

func pgIdent(s string) string { return pgx.Identifier{s}.Sanitize() }

func pgLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
