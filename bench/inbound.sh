#!/usr/bin/env bash
# Inbound webhook benchmark for evo (issue #6; see BENCHMARKS.md, "Inbound").
#
#   bash bench/inbound.sh
#
# Builds the release binary, starts `evo serve --carrier twilio` (the carrier is never called:
# only signatures are checked with its token), creates an endpoint, pre-signs N distinct Twilio
# inbound webhooks with Python's hmac (X-Twilio-Signature over the server's URL), then drives
# POST /webhooks/twilio/sms with wrk (bench/inbound.lua). Afterwards it counts the stored
# incoming messages and compares them with wrk's 2xx count (duplicates after the file wraps are
# answered 200 and stored once).
#
# Environment: BENCH_DURATION (15s), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
# BENCH_REQUESTS (200000 pre-signed webhooks).
set -euo pipefail

DURATION="${BENCH_DURATION:-15s}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
THREADS="${BENCH_THREADS:-2}"
REQUESTS="${BENCH_REQUESTS:-200000}"
SID=ACbench00000000000000000000000000
TOKEN=bench-token
NUMBER=+15550100001

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { echo "== $*"; }
die() { echo "bench: $*" >&2; exit 1; }

command -v wrk >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
command -v wrk >/dev/null 2>&1 || die "wrk is not available"

log "cargo build --release"
cargo build --release --quiet
EVO="${CARGO_TARGET_DIR:-$ROOT/target}/release/evo"
[[ -x "$EVO" ]] || die "$EVO was not built"

DATA_DIR="$(mktemp -d -t evo-inbound.XXXXXX)"
SERVER_PID=""
cleanup() {
  local rc=$?
  if [[ -n "$SERVER_PID" ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$DATA_DIR"
  exit "$rc"
}
trap cleanup EXIT INT TERM

ACCOUNT=$("$EVO" --data-dir "$DATA_DIR" admin account create --name Bench)
"$EVO" --data-dir "$DATA_DIR" admin endpoint create --account "$ACCOUNT" --number "$NUMBER" \
  --name Bench >/dev/null

RUST_LOG=warn "$EVO" --data-dir "$DATA_DIR" serve --listen 127.0.0.1:0 --carrier twilio \
  --twilio-account-sid "$SID" --twilio-auth-token "$TOKEN" --twilio-base-url http://127.0.0.1:9 \
  >"$DATA_DIR/out" 2>"$DATA_DIR/err" &
SERVER_PID=$!
for _ in $(seq 100); do [[ -s "$DATA_DIR/out" ]] && break; sleep 0.1; done
BASE=$(sed -n 's/^evo listening on //p' "$DATA_DIR/out")
[[ -n "$BASE" ]] || die "the server did not start"

log "pre-signing $REQUESTS webhooks for $BASE"
python3 - "$BASE/webhooks/twilio/sms" "$TOKEN" "$SID" "$NUMBER" "$REQUESTS" >"$DATA_DIR/requests" <<'PY'
import base64, hashlib, hmac, sys, urllib.parse
url, token, sid, number, n = sys.argv[1], sys.argv[2].encode(), sys.argv[3], sys.argv[4], int(sys.argv[5])
for i in range(n):
    params = {"AccountSid": sid, "ApiVersion": "2010-04-01", "Body": f"reply {i}",
              "From": f"+1555{i % 10_000_000:07d}", "MessageSid": f"SM{i:032x}",
              "NumMedia": "0", "SmsStatus": "received", "To": number}
    signed = url + "".join(k + params[k] for k in sorted(params))
    sig = base64.b64encode(hmac.new(token, signed.encode(), hashlib.sha1).digest()).decode()
    print(sig + "\t" + urllib.parse.urlencode(params))
PY

log "wrk -t$THREADS -c$CONNECTIONS -d$DURATION POST /webhooks/twilio/sms"
INBOUND_FILE="$DATA_DIR/requests" INBOUND_THREADS="$THREADS" \
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/inbound.lua "$BASE" \
  | tee "$DATA_DIR/wrk"

kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
STORED=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from messages where direction='Incoming'\").fetchone()[0])" "$DATA_DIR/evo.db")
log "incoming messages stored: $STORED"
grep -E 'Requests/sec|99%|Non-2xx' "$DATA_DIR/wrk" || true
