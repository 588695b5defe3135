#!/usr/bin/env bash
# make run: from a fresh clone to a served demo. Builds the binary, finds or
# starts PostgreSQL, provisions the roles and the database, migrates, seeds
# the demo world, starts a local mail catcher (mailpit) and serves.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mkdir -p .local
go build -o bin/vendredi ./cmd/vendredi
admin=$(deploy/dev/postgres.sh)
eval "$(bin/vendredi db provision --admin-url "$admin" --database "${DATABASE_NAME:-vendredi}")"
bin/vendredi migrate up
bin/vendredi seed demo

mail_ui="(mails are printed in this log: SMTP_URL is set to your own server)"
if [[ -z "${SMTP_URL:-}" ]]; then
	# Invitations and sign-in links land in mailpit's inbox, on this machine only.
	go tool mailpit --smtp 127.0.0.1:1025 --listen 127.0.0.1:8025 --database .local/mailpit.db \
		--disable-version-check --smtp-disable-rdns --smtp-auth-accept-any --smtp-auth-allow-insecure \
		>.local/mailpit.log 2>&1 &
	mailpit=$!
	trap 'kill $mailpit 2>/dev/null || true' EXIT
	# Serve once mailpit listens: the server mails the demo campaigns'
	# invitations as it starts (the first run builds mailpit, which takes a while).
	for _ in $(seq 600); do
		if (exec 3<>/dev/tcp/127.0.0.1/1025) 2>/dev/null; then break; fi
		kill -0 $mailpit 2>/dev/null || { echo "mailpit did not start; see .local/mailpit.log" >&2; exit 1; }
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
cat <<MSG

  Vendredi is starting. Open:
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
bin/vendredi serve
