#!/usr/bin/env bash
# SendMessage throughput benchmark for evo (see BENCHMARKS.md).
#
#   bash bench/sendmessage.sh
#
# Builds the release binary, sets up a throw-away data directory (account, user, endpoint,
# API key), starts `evo serve` on a free port and drives it with wrk: first GET /health as the
# baseline, then POST /messages (bench/sendmessage.lua, a distinct recipient per request).
# Afterwards it counts the rows in the messages table and compares them with wrk's 2xx count.
#
# Environment: BENCH_DURATION (10s), BENCH_CONNECTIONS (64), BENCH_THREADS (2), BENCH_EVO (an
# evo binary to use instead of building one, for A/B runs of two builds in one session),
# BENCH_PG (a PostgreSQL server URL such as postgres://postgres@127.0.0.1:5432: evo runs on a
# fresh database created there and dropped afterwards, and a pgbench script doing the same
# inserts, one transaction per message, runs first as the bound for that server).
set -euo pipefail

DURATION="${BENCH_DURATION:-10s}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
THREADS="${BENCH_THREADS:-2}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "== $*"; }

# --- tools -------------------------------------------------------------------------------------
install_pkg() { # install_pkg PACKAGE: apt-get install, with `apt-get update` only if that fails
  local pkg="$1"
  log "installing $pkg"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >/dev/null
  fi
}
command -v wrk >/dev/null 2>&1 || install_pkg wrk
command -v wrk >/dev/null 2>&1 || die "wrk is not available"

# --- build -------------------------------------------------------------------------------------
if [[ -n "${BENCH_EVO:-}" ]]; then
  EVO="$BENCH_EVO"
  log "using $EVO (BENCH_EVO; not building)"
else
  log "cargo build --release"
  cargo build --release --quiet
  EVO="$ROOT/target/release/evo"
fi
[[ -x "$EVO" ]] || die "$EVO was not built"

# --- data directory and tenant -----------------------------------------------------------------
DATA_DIR="$(mktemp -d -t evo-bench.XXXXXX)"
SERVER_PID=""
SERVER_OUT="$DATA_DIR/server.stdout"
SERVER_ERR="$DATA_DIR/server.stderr"
cleanup() {
  local rc=$?
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -s "$SERVER_ERR" ]]; then
    echo "--- last server log lines ---" >&2
    tail -n 20 "$SERVER_ERR" >&2 || true
  fi
  rm -rf "$DATA_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PG_DB=""
if [[ -n "${BENCH_PG:-}" ]]; then
  command -v psql >/dev/null 2>&1 || die "BENCH_PG needs psql"
  PG_DB="evo_bench_$$"
  psql -q "$BENCH_PG/postgres" -c "create database $PG_DB" || die "cannot create $PG_DB"
  trap 'psql -q "$BENCH_PG/postgres" -c "drop database if exists $PG_DB with (force)" >/dev/null 2>&1 || true; cleanup' EXIT
  export EVO_DATABASE_URL="$BENCH_PG/$PG_DB"
fi
evo() { "$EVO" --data-dir "$DATA_DIR" "$@"; }
# count_sql SQL: one number from the store evo ran on.
count_sql() {
  if [[ -n "$PG_DB" ]]; then
    psql -qAt "$EVO_DATABASE_URL" -c "$1"
  else
    command -v sqlite3 >/dev/null 2>&1 || install_pkg sqlite3
    sqlite3 -readonly "$DATA_DIR/evo.db" "pragma busy_timeout = 5000; $1" | tail -n 1
  fi
}

log "setting up a tenant in $DATA_DIR"
ACCOUNT="$(evo admin account create --name "Bench account")"
USER_ID="$(evo admin user create --account "$ACCOUNT" --email bench@example.com \
  --password bench-password --role User)"
ENDPOINT="$(evo admin endpoint create --account "$ACCOUNT" --number +15550100001 --name "Main line")"
API_KEY="$(evo admin apikey create --user "$USER_ID")"
[[ -n "$ACCOUNT" && -n "$USER_ID" && -n "$ENDPOINT" && -n "$API_KEY" ]] || die "tenant set-up failed"

# --- server ------------------------------------------------------------------------------------
log "starting evo serve"
RUST_LOG=warn "$EVO" --data-dir "$DATA_DIR" serve --listen 127.0.0.1:0 \
  >"$SERVER_OUT" 2>"$SERVER_ERR" &
SERVER_PID=$!
ADDR=""
for _ in $(seq 100); do # up to ~10 s
  if [[ -s "$SERVER_OUT" ]]; then
    line="$(head -n 1 "$SERVER_OUT")"
    if [[ "$line" =~ ^evo\ listening\ on\ http://([^[:space:]]+)$ ]]; then
      ADDR="${BASH_REMATCH[1]}"
      break
    fi
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || die "evo serve exited before it was listening"
  sleep 0.1
done
[[ -n "$ADDR" ]] || die "evo serve did not print 'evo listening on http://ADDR' within 10 s"
log "evo (pid $SERVER_PID) listening on $ADDR"

# --- helpers -----------------------------------------------------------------------------------
# Converts a wrk duration such as 812.00us, 1.52ms, 2.01s or 1.00m to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n = n / 1000; else if (u == "s") n = n * 1000; else if (u == "m") n = n * 60000
    printf "%.3f", n }'
}

# --- baseline: GET /health ---------------------------------------------------------------------
log "baseline: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency http://$ADDR/health"
HEALTH_OUT="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://$ADDR/health")"
echo "$HEALTH_OUT"
HEALTH_RPS="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$HEALTH_OUT")"
HEALTH_P50="$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$HEALTH_OUT")")"
HEALTH_P99="$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$HEALTH_OUT")")"
HEALTH_NON2XX="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$HEALTH_OUT")"
HEALTH_NON2XX="${HEALTH_NON2XX:-0}"
[[ -n "$HEALTH_RPS" ]] || die "could not read the /health results"
echo "health: $HEALTH_RPS req/s, p50 $HEALTH_P50 ms, p99 $HEALTH_P99 ms, non-2xx $HEALTH_NON2XX"

# --- SendMessage: POST /messages ---------------------------------------------------------------
log "SendMessage: wrk -t$THREADS -c$CONNECTIONS -d$DURATION -s bench/sendmessage.lua http://$ADDR/messages"
SEND_OUT="$(EVO_BENCH_ENDPOINT="$ENDPOINT" EVO_BENCH_KEY="$API_KEY" EVO_BENCH_THREADS="$THREADS" \
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s bench/sendmessage.lua "http://$ADDR/messages")"
echo "$SEND_OUT"
RESULT="$(grep '^BENCH_RESULT ' <<<"$SEND_OUT" || true)"
[[ -n "$RESULT" ]] || die "sendmessage.lua printed no BENCH_RESULT line"
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$RESULT"; }
SEND_RPS="$(printf '%.0f' "$(field rps)")"
SEND_P50="$(field p50_ms)"
SEND_P99="$(field p99_ms)"
SEND_REQUESTS="$(field requests)"
SEND_NON2XX="$(field non2xx)"
SEND_SOCKET_ERRORS="$(field socket_errors)"
SEND_2XX=$((SEND_REQUESTS - SEND_NON2XX))

kill -0 "$SERVER_PID" 2>/dev/null || die "evo serve is no longer running after the SendMessage run"


# --- stored messages ---------------------------------------------------------------------------
# Requests still in flight when wrk stopped may commit after it; let the writer settle.
sleep 1
STORED="$(count_sql 'select count(*) from messages;')"
RECIPIENTS="$(count_sql 'select count(distinct other_address) from messages;')"
echo "stored messages: $STORED (2xx responses reported by wrk: $SEND_2XX), distinct recipients: $RECIPIENTS"
if [[ "$STORED" -eq "$SEND_2XX" ]]; then
  STORED_CHECK="match"
elif [[ "$STORED" -gt "$SEND_2XX" ]]; then
  STORED_CHECK="ok: $((STORED - SEND_2XX)) more stored than 2xx counted (requests cut off when wrk stopped)"
else
  STORED_CHECK="MISMATCH: $((SEND_2XX - STORED)) acknowledged messages are missing"
fi
echo "stored check: $STORED_CHECK"

# RUST_LOG=warn: anything on the server's stderr is a warning or an error.
SERVER_LOG_LINES="$(grep -c . "$SERVER_ERR" || true)"
if [[ "$SERVER_LOG_LINES" -gt 0 ]]; then
  echo "server logged $SERVER_LOG_LINES warning/error lines; the first ones:"
  head -n 5 "$SERVER_ERR"
fi

# --- latency at about half the peak rate (paced connections) ---------------------------------
HALF_RATE=$((SEND_RPS / 2))
DELAY_MS=$(( HALF_RATE > 0 ? CONNECTIONS * 1000 / HALF_RATE : 0 ))
log "paced SendMessage: target ~$HALF_RATE msg/s ($CONNECTIONS connections, ${DELAY_MS} ms pause each)"
PACED_OUT="$(EVO_BENCH_ENDPOINT="$ENDPOINT" EVO_BENCH_KEY="$API_KEY" EVO_BENCH_THREADS="$THREADS" \
  EVO_BENCH_OFFSET=5000000 EVO_BENCH_DELAY_MS="$DELAY_MS" \
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s bench/sendmessage.lua "http://$ADDR/messages")"
echo "$PACED_OUT"
RESULT="$(grep '^BENCH_RESULT ' <<<"$PACED_OUT" || true)"
[[ -n "$RESULT" ]] || die "the paced run printed no BENCH_RESULT line"
PACED_RPS="$(printf '%.0f' "$(field rps)")"
PACED_P50="$(field p50_ms)"
PACED_P99="$(field p99_ms)"
PACED_NON2XX="$(field non2xx)"

# --- summary -----------------------------------------------------------------------------------
RATIO="$(awk -v s="$SEND_RPS" -v h="$HEALTH_RPS" 'BEGIN { printf "%.3f", (h > 0 ? s / h : 0) }')"
# --- the PostgreSQL bound: the same inserts from pgbench, one transaction per message ----------
PGBENCH_LINE=""
if [[ -n "$PG_DB" ]]; then
  log "pgbench -c $CONNECTIONS -j $THREADS -T ${DURATION%s} -f bench/pg_sendmessage.sql"
  PGBENCH_OUT="$(pgbench -n -c "$CONNECTIONS" -j "$THREADS" -T "${DURATION%s}" -D acct="'$ACCOUNT'" \
    -D endp="'$ENDPOINT'" -f bench/pg_sendmessage.sql "$EVO_DATABASE_URL" 2>&1)" || die "pgbench failed: $PGBENCH_OUT"
  PGBENCH_TPS="$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$PGBENCH_OUT" | head -n 1)"
  PGBENCH_LAT="$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$PGBENCH_OUT")"
  PGBENCH_LINE="pgbench (same inserts, -c $CONNECTIONS): ${PGBENCH_TPS} tx/s, latency average ${PGBENCH_LAT} ms"
  echo "$PGBENCH_LINE"
fi

cat <<SUMMARY

==================== evo benchmark summary ====================
wrk: -t$THREADS -c$CONNECTIONS -d$DURATION on $(nproc) CPUs
health: $HEALTH_RPS req/s p50 $HEALTH_P50 ms p99 $HEALTH_P99 ms
sendmessage: $SEND_RPS msg/s p50 $SEND_P50 ms p99 $SEND_P99 ms non2xx $SEND_NON2XX
  requests $SEND_REQUESTS, socket errors $SEND_SOCKET_ERRORS, stored $STORED ($STORED_CHECK)
  distinct recipients stored: $RECIPIENTS
  server warning/error log lines: $SERVER_LOG_LINES
paced sendmessage: $PACED_RPS msg/s p50 $PACED_P50 ms p99 $PACED_P99 ms non2xx $PACED_NON2XX
ratio sendmessage/health: $RATIO
${PGBENCH_LINE:+$PGBENCH_LINE
evo / pgbench: $(awk -v e="$SEND_RPS" -v p="${PGBENCH_TPS:-0}" 'BEGIN { if (p > 0) printf "%.2f", e / p }')
}===============================================================
SUMMARY

if [[ "$SEND_NON2XX" -ne 0 || "$PACED_NON2XX" -ne 0 || "$STORED" -lt "$SEND_2XX" ]]; then
  exit 2
fi
