#!/usr/bin/env bash
# make test: every test, against a real PostgreSQL found or started as for
# make run, and Stripe's mock server (stripe-mock, pinned in go.mod) on a
# free local port. Each test package clones its own database from a
# migrated template. GOTESTFLAGS adds flags (default: -race -count=1 -timeout 25m: the
# server package's browser tests take minutes on two cores).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
go build -o bin/vendredi ./cmd/vendredi
# The tests that run `vendredi serve` as a process use this build.
export VENDREDI_BIN=$root/bin/vendredi
export VENDREDI_TEST_ADMIN_URL
VENDREDI_TEST_ADMIN_URL=$(deploy/dev/postgres.sh)

# stripe-mock answers the Stripe API from Stripe's own fixtures; billing's
# tests read its address from VENDREDI_TEST_STRIPE_URL (they fail without
# it in CI). Both its ports are chosen by the system (its HTTPS one would
# otherwise take 12112), and it is stopped with the tests.
mkdir -p .local
stripe_log=.local/stripe-mock.log
stripe_mock=$(go tool -n stripe-mock)
: >"$stripe_log"
"$stripe_mock" -http-addr 127.0.0.1:0 -https-addr 127.0.0.1:0 >"$stripe_log" 2>&1 &
stripe_pid=$!
trap 'kill $stripe_pid 2>/dev/null || true' EXIT
addr=""
for _ in $(seq 1 1200); do
	addr=$(grep -oE 'Listening for HTTP at address: [0-9.]+:[0-9]+' "$stripe_log" | awk '{print $NF}' || true)
	[[ -n $addr ]] && break
	kill -0 $stripe_pid 2>/dev/null || { echo "stripe-mock did not start; see $stripe_log" >&2; exit 1; }
	sleep 0.1
done
[[ -n $addr ]] || { echo "stripe-mock did not listen within 120 s; see $stripe_log" >&2; exit 1; }
export VENDREDI_TEST_STRIPE_URL=http://$addr

# shellcheck disable=SC2086
go test ${GOTESTFLAGS:--race -count=1 -timeout 25m} "${@:-./...}"
