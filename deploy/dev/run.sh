#!/usr/bin/env bash
# make run: from a fresh clone to a served demo. Builds the binary, finds or
# starts PostgreSQL, provisions the roles and the database, migrates, seeds
# the demo world and serves it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
go build -o bin/vendredi ./cmd/vendredi
admin=$(deploy/dev/postgres.sh)
eval "$(bin/vendredi db provision --admin-url "$admin" --database "${DATABASE_NAME:-vendredi}")"
bin/vendredi migrate up
bin/vendredi seed demo
port=${LISTEN_ADDR:-:3000}
port=${port##*:}
base=${BASE_DOMAIN:-localhost}
cat <<MSG

  Vendredi is starting. Open:
    http://$base:$port/            the platform
    http://acme.$base:$port/       Acme, a demo company
    http://globex.$base:$port/     Globex, another one (isolation)
    http://$base:$port/readyz      readiness
  Stop with Ctrl-C.

MSG
exec bin/vendredi serve
