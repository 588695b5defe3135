#!/usr/bin/env bash
# Finds a PostgreSQL server Vendredi can administer, or starts a private one,
# and prints its administrator URL on stdout (messages go to stderr).
#
# In order:
#   1. $DATABASE_ADMIN_URL, else $DATABASE_URL: a server you chose (its role
#      must be able to create roles and databases);
#   2. the local server at 127.0.0.1:5432 as user postgres;
#   3. a private cluster under .local/postgres, created with the local
#      initdb and started with pg_ctl on 127.0.0.1:${VENDREDI_PG_PORT:-54329}
#      (as a non-root user when run as root).
# VENDREDI_PG_MODE=private skips 1 and 2.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
say() { echo "postgres: $*" >&2; }

reachable() { # URL
	"$root/bin/vendredi" --log-level error db provision --admin-url "$1" --database "" >/dev/null 2>&1
}

if [[ "${VENDREDI_PG_MODE:-}" != private ]]; then
	for var in DATABASE_ADMIN_URL DATABASE_URL; do
		url=${!var:-}
		[[ -n "$url" ]] || continue
		if reachable "$url"; then
			say "using \$$var"
			echo "$url"
			exit 0
		fi
		say "\$$var is set but its server cannot be reached or its role cannot create roles and databases:"
		"$root/bin/vendredi" db provision --admin-url "$url" --database "" >/dev/null || true
		exit 1
	done
	local_url="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	if reachable "$local_url"; then
		say "using the local server at 127.0.0.1:5432"
		echo "$local_url"
		exit 0
	fi
fi

# A private cluster, kept under the working tree so that nothing outside it changes.
bindir=""
if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
	bindir=$(dirname "$(command -v initdb)")
else
	for d in $(ls -d /usr/lib/postgresql/*/bin /usr/local/pgsql/bin /opt/homebrew/opt/postgresql*/bin /usr/local/opt/postgresql*/bin 2>/dev/null | sort -rV); do
		if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then bindir=$d; break; fi
	done
fi
if [[ -z "$bindir" ]]; then
	cat >&2 <<'MSG'
postgres: no PostgreSQL found.
  - nothing answers at 127.0.0.1:5432 (as user postgres),
  - and there is no initdb/pg_ctl to start a private server.
Install PostgreSQL (Debian/Ubuntu: sudo apt-get install postgresql; macOS: brew install postgresql@16),
or set DATABASE_URL to the URL of a server whose role can create roles and databases.
MSG
	exit 1
fi

port=${VENDREDI_PG_PORT:-54329}
data="$root/.local/postgres"
url="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
as_owner=()
if [[ $(id -u) -eq 0 ]]; then
	# PostgreSQL refuses to run as root.
	user=postgres
	id "$user" >/dev/null 2>&1 || user=nobody
	as_owner=(setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups --)
	command -v setpriv >/dev/null || as_owner=(runuser -u "$user" --)
fi
if [[ ! -s "$data/PG_VERSION" ]]; then
	say "creating a private cluster in $data with $bindir/initdb"
	mkdir -p "$data"
	chmod 700 "$data"
	[[ ${#as_owner[@]} -eq 0 ]] || chown -R "$user" "$root/.local"
	"${as_owner[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >"$root/.local/initdb.log" 2>&1 ||
		{ say "initdb failed; see $root/.local/initdb.log"; exit 1; }
fi
if ! "${as_owner[@]}" "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
	say "starting the private cluster on 127.0.0.1:$port (log: $data/server.log)"
	"${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
		-o "-p $port -k $data -c listen_addresses=127.0.0.1" start >/dev/null ||
		{ say "pg_ctl could not start the server; see $data/server.log"; exit 1; }
fi
reachable "$url" || { say "the private cluster does not answer at $url"; exit 1; }
say "using the private cluster at 127.0.0.1:$port (stop it with: make pg-stop)"
echo "$url"
