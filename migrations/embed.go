// Package migrations holds the SQL schema of Vendredi as ordered files,
// embedded in the binary and applied by `vendredi migrate up` as the owner
// role.
//
// Files are Go templates: {{.AppRole}} is the role the server connects as,
// which row-level security binds. Names follow bun's migrator:
// <timestamp>_<name>.tx.up.sql and the matching .tx.down.sql.
//
// Every table with a tenant_id column must enable and FORCE row-level
// security with a policy on app.current_tenant_id(); a test walks the
// catalogue and fails otherwise.
package migrations

import "embed"

// FS is the set of migration files.
//
//go:embed *.sql
var FS embed.FS
