#!/usr/bin/env bash
# make run: from a fresh clone to a served demo. Builds the binary, finds or
# starts PostgreSQL, provisions the roles and the database, migrates, seeds
# the demo world, starts a local mail catcher (mailpit) and serves.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mkdir -p .local bin
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Both binaries build side by side before anything starts, so that the mail
# catcher listens before the server mails anything (the demo's invitations
# go out as it starts). A first build compiles a few hundred modules: it
# takes minutes on a fresh machine, seconds afterwards.
started=$SECONDS
what="Vendredi"
[[ -n "${SMTP_URL:-}" ]] || what="Vendredi and its local mail catcher (mailpit)"
say "Building $what — the first build takes a few minutes, later ones seconds…"
go build -o bin/vendredi ./cmd/vendredi &
build_app=$!
if [[ -z "${SMTP_URL:-}" ]]; then
	go build -o bin/mailpit github.com/axllent/mailpit &
	build_mail=$!
	wait $build_mail || { echo "building mailpit failed (see above)" >&2; exit 1; }
fi
wait $build_app || { echo "building vendredi failed (see above)" >&2; exit 1; }
say "Built in $((SECONDS - started)) s. Finding PostgreSQL…"
admin=$(deploy/dev/postgres.sh)
say "Preparing the database ${DATABASE_NAME:-vendredi}: roles, migrations, demo data…"
eval "$(bin/vendredi db provision --admin-url "$admin" --database "${DATABASE_NAME:-vendredi}")"
bin/vendredi migrate up
bin/vendredi seed demo

mail_ui="(mails are printed in this log: SMTP_URL is set to your own server)"
if [[ -z "${SMTP_URL:-}" ]]; then
	# Invitations and sign-in links land in mailpit's inbox, on this machine only.
	say "Starting the mail catcher (mailpit)…"
	bin/mailpit --smtp 127.0.0.1:1025 --listen 127.0.0.1:8025 --database .local/mailpit.db \
		--disable-version-check --smtp-disable-rdns --smtp-auth-accept-any --smtp-auth-allow-insecure \
		>.local/mailpit.log 2>&1 &
	mailpit=$!
	trap 'kill $mailpit 2>/dev/null || true' EXIT
	# Serve once mailpit listens, for as long as it is alive: it is built
	# already, so this is a matter of seconds. (Mails wait in the outbox and
	# are retried anyway; this only spares the first ones a retry.)
	until (exec 3<>/dev/tcp/127.0.0.1/1025) 2>/dev/null; do
		kill -0 $mailpit 2>/dev/null || { echo "mailpit did not start; see .local/mailpit.log (is port 1025 or 8025 taken?)" >&2; exit 1; }
		sleep 0.1
	done
	export SMTP_URL='smtp://127.0.0.1:1025?tls=none'
	mail_ui="http://localhost:8025/"
fi

port=${LISTEN_ADDR:-:3000}
port=${port##*:}
base=${BASE_DOMAIN:-localhost}
# Mailed links are built from PUBLIC_URL only: on this machine, the
# address the server listens on.
export PUBLIC_URL=${PUBLIC_URL:-http://$base:$port}
say "Starting the server on :$port…"
bin/vendredi serve &
server=$!
trap 'kill $server ${mailpit:-} 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
# The banner comes once the server answers, so that what it says is true.
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
	kill -0 $server 2>/dev/null || { wait $server; exit $?; }
	sleep 0.2
done
cat <<MSG

  Vendredi is ready ($((SECONDS - started)) s). Open:
    http://acme.$base:$port/       Acme, a demo company
    http://globex.$base:$port/     Globex, another one (isolation)
    http://$base:$port/            the platform (staff, associations)
    $mail_ui    the mails the product sends
  Demo people (password: vendredi-demo):
    claire.martin@acme.example     HR admin of Acme      (on acme.$base)
    karim.benali@acme.example      employee of Acme      (on acme.$base)
    staff@vendredi.localhost       platform staff        (on $base)
    responsable@entraide-numerique.example  association manager (on $base)
  Try: curl -c jar -H 'Host: acme.$base' -d '{"email":"claire.martin@acme.example","password":"vendredi-demo"}' \\
         -H 'Content-Type: application/json' localhost:$port/api/v1/auth/sign-in
  Stop with Ctrl-C.

MSG
wait $server
