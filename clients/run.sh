#!/usr/bin/env bash
# Runs the official-client checks (clients/typescript, clients/python) and schemathesis against
# a live evo on loopback. Needs node/npm and python3/pip, which this machine kind has.
# Usage: bash clients/run.sh [path/to/evo]   (default: target/debug/evo, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
EVO="${1:-target/debug/evo}"
[[ -x "$EVO" ]] || cargo build
DATA="$(mktemp -d)"
OUT="$DATA/serve.out"
cleanup() { [[ -n "${PID:-}" ]] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$DATA"; }
trap cleanup EXIT

evo() { "$EVO" --data-dir "$DATA" "$@"; }
ACCOUNT="$(evo admin account create --name 'Client checks')"
EMAIL=clients@evo.test
PASSWORD='client check password'
evo admin user create --account "$ACCOUNT" --email "$EMAIL" --password "$PASSWORD" --role User >/dev/null
USER_ID="$(evo admin user create --account "$ACCOUNT" --email fuzz@evo.test --password "$PASSWORD" --role User)"
KEY="$(evo admin apikey create --user "$USER_ID")"
ENDPOINT="$(evo admin endpoint create --account "$ACCOUNT" --number +15550100001 --name 'Main line')"

RUST_LOG=warn "$EVO" --data-dir "$DATA" serve --listen 127.0.0.1:0 >"$OUT" &
PID=$!
for _ in $(seq 100); do
  [[ -s "$OUT" ]] && break
  sleep 0.1
done
URL="$(sed -n 's/^evo listening on //p' "$OUT" | head -n 1)"
[[ -n "$URL" ]] || { echo "evo did not start" >&2; exit 1; }

export EVO_URL="$URL" EVO_EMAIL="$EMAIL" EVO_PASSWORD="$PASSWORD" EVO_ENDPOINT="$ENDPOINT"
echo "TypeScript: @servicestack/client"
(cd clients/typescript && npm ci --no-audit --no-fund --silent && node check.mjs)
echo "Python: servicestack"
python3 -m venv "$DATA/venv"
"$DATA/venv/bin/pip" install --quiet --disable-pip-version-check -r clients/python/requirements.txt
"$DATA/venv/bin/python" clients/python/check.py

echo "schemathesis: /openapi.json against the live server"
"$DATA/venv/bin/pip" install --quiet --disable-pip-version-check -r clients/schemathesis/requirements.txt
"$DATA/venv/bin/schemathesis" run "$URL/openapi.json" -H "Authorization: Bearer $KEY" \
  --checks all --max-examples 50 --no-color
