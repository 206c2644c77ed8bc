#!/usr/bin/env bash
# Fuzz the JSON API with schemathesis over /api/v1/_openapi as each demo role; any 5xx fails.
#
#   make fuzz                      # all demo roles, 30 examples per operation
#   ROLES="physician" EXAMPLES=100 make fuzz
#
# Serves a throw-away copy of the demo (SQLite under a temp dir) on FUZZ_PORT (default 8091), logs in
# through /api/v1/security/login for each role and runs `st run --checks not_a_server_error`.
# schemathesis lives in its own virtualenv (.venv-fuzz) so it never changes the application's pins.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT=${FUZZ_PORT:-8091}
EXAMPLES=${EXAMPLES:-30}
ROLES=${ROLES:-"admin reviewer reviewer_11 inst_admin physician"}
PASSWORD=${DEMO_PASSWORD:-Demo@12345}
WORK=$(mktemp -d -t registry-fuzz.XXXXXX)
export FLASK_APP=run.py DATABASE_URL="sqlite:///$WORK/fuzz.db" RATELIMIT_ENABLED=false

.venv/bin/flask db upgrade >"$WORK/setup.log" 2>&1
.venv/bin/flask init >>"$WORK/setup.log" 2>&1
.venv/bin/flask seed-demo >>"$WORK/setup.log" 2>&1
.venv/bin/flask run --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 1; done

FAILED=""
# Every role logs in before any fuzzing: the fuzzer also posts wrong passwords to the login endpoint,
# and the lockout it rightly triggers must not keep a later role out.
declare -A TOKENS
for role in $ROLES; do
    login=$(curl -s -X POST -H 'Content-Type: application/json' \
        -d "{\"username\":\"$role\",\"password\":\"$PASSWORD\",\"provider\":\"db\"}" \
        "http://127.0.0.1:$PORT/api/v1/security/login")
    if ! TOKENS[$role]=$(echo "$login" | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' 2>/dev/null); then
        echo "cannot log in as $role: $login"
        FAILED="$FAILED $role(login)"
    fi
done
for role in $ROLES; do
    [ -n "${TOKENS[$role]:-}" ] || continue
    echo "==> $role"
    if .venv-fuzz/bin/st run "http://127.0.0.1:$PORT/api/v1/_openapi" -H "Authorization: Bearer ${TOKENS[$role]}" \
        --checks not_a_server_error --max-examples "$EXAMPLES" --no-color >"$WORK/$role.log" 2>&1; then
        grep -E "generated|passed|failed" "$WORK/$role.log" | tail -1
    else
        FAILED="$FAILED $role"
        tail -40 "$WORK/$role.log"
    fi
done
echo "logs in $WORK"
[ -z "$FAILED" ] || { echo "server errors found for:$FAILED"; exit 1; }
echo "no server error for any role"
