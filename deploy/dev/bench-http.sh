#!/usr/bin/env bash
# make bench-http: Vendredi's cheap GET and sign-ups against a bare Fiber +
# pgx server and pgbench, in one run on this machine (cmd/benchhttp prints
# the table). make bench-search: BENCH_MISSIONS=100000 and -search. Uses its own database (vendredi_bench) and ports 3350-3351,
# and stops what it started.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mkdir -p .local bin
go build -o bin/vendredi ./cmd/vendredi
go build -o bin/benchref ./cmd/benchref
go build -o bin/benchhttp ./cmd/benchhttp
admin=$(deploy/dev/postgres.sh)
export DATABASE_ADMIN_URL=$admin
eval "$(bin/vendredi --log-level error db provision --admin-url "$admin" --database "${BENCH_DATABASE:-vendredi_bench}")"
bin/vendredi --log-level error migrate up
if [[ -n "${BENCH_MISSIONS:-}" ]]; then
	# make bench-search: the generated catalogue (a second run adds
	# nothing), with its statistics.
	bin/vendredi --log-level error seed missions --count "$BENCH_MISSIONS"
	psql -X -q "$DATABASE_OWNER_URL" -c 'VACUUM ANALYZE missions, mission_skills, associations, mission_title_terms'
fi
port=${BENCH_PORT:-3350}
ref=$((port + 1))
# The server, the reference and pgbench get as many PostgreSQL connections
# each (the server's pool is DB_MAX_CONNS): the machine's server is shared.
# Searches get a pool sized for the machine, twice its cores: on 2 cores,
# 10 connections left more lines over their goal than 4 in four pairs of five,
# alternated (docs/performance.md); sign-ups keep 10, pgbench's clients.
if [[ " $* " == *" -search "* ]]; then
	conns=${BENCH_CONNS:-$((2 * $(nproc)))}
else
	conns=${BENCH_CONNS:-10}
fi
echo "the server and the reference: $conns PostgreSQL connections each (BENCH_CONNS)"
LISTEN_ADDR=127.0.0.1:$port DB_MAX_CONNS=$conns WORKERS=false METRICS_ADDR= LOG_LEVEL=${BENCH_LOG_LEVEL:-warn} \
	PUBLIC_URL=http://localhost:$port bin/vendredi serve >.local/bench-serve.log 2>&1 &
serve=$!
bin/benchref -listen 127.0.0.1:$ref -conns "$conns" -database-url "$DATABASE_URL" >.local/bench-ref.log 2>&1 &
benchref=$!
trap 'kill $serve $benchref 2>/dev/null || true' EXIT
for _ in $(seq 300); do
	if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/$ref) 2>/dev/null; then break; fi
	kill -0 $serve 2>/dev/null || { echo "the server did not start; see .local/bench-serve.log" >&2; exit 1; }
	sleep 0.1
done
bin/benchhttp -url http://127.0.0.1:$port -ref-url http://127.0.0.1:$ref -pgbench-clients "$conns" "$@"
