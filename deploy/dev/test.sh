#!/usr/bin/env bash
# make test: every test, against a real PostgreSQL found or started as for
# make run. Each test package clones its own database from a migrated
# template. GOTESTFLAGS adds flags (default: -race -count=1).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
go build -o bin/vendredi ./cmd/vendredi
# The tests that run `vendredi serve` as a process use this build.
export VENDREDI_BIN=$root/bin/vendredi
export VENDREDI_TEST_ADMIN_URL
VENDREDI_TEST_ADMIN_URL=$(deploy/dev/postgres.sh)
# shellcheck disable=SC2086
exec go test ${GOTESTFLAGS:--race -count=1} "${@:-./...}"
