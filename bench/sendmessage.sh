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
# fresh database created there and dropped afterwards; afterwards pgbench runs evo's statements,
# one transaction per message, as the bound for that server, at the peak and at the paced rate),
# BENCH_PG_SETTINGS (with BENCH_PG: settings for the bench database, such as
# "commit_delay=100 commit_siblings=5", applied with ALTER DATABASE before evo connects).
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
  for setting in ${BENCH_PG_SETTINGS:-}; do
    psql -q "$EVO_DATABASE_URL" -c "alter database $PG_DB set ${setting%%=*} = '${setting#*=}'" \
      || die "cannot apply $setting"
  done
fi
# CPU ticks (user + system) of one process, and of every PostgreSQL server process.
proc_ticks() {
  awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$1/stat" 2>/dev/null || echo 0
}
# Server processes that exited (connections closed) count through the postmaster's reaped
# children (cutime + cstime).
postgres_ticks() {
  local total=0 pid postmaster
  for pid in $(pgrep -x postgres || true); do total=$((total + $(proc_ticks "$pid"))); done
  postmaster="$(pgrep -xo postgres || true)"
  if [[ -n "$postmaster" ]]; then
    total=$((total + $(awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print f[14] + f[15] }' "/proc/$postmaster/stat")))
  fi
  echo "$total"
}
# µs of CPU per message from two tick counts and a message count.
us_per_msg() { awk -v a="$1" -v b="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" 'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1e6 / hz / n; else print "-" }'; }
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
EVO_TICKS0="$(proc_ticks "$SERVER_PID")"; PG_TICKS0="$(postgres_ticks)"
SAMPLER_PID=""
if [[ -n "$PG_DB" ]]; then
  # The most connections evo held at once, sampled while the load runs.
  (peak=0; while sleep 0.5; do
     n="$(psql -qAt "$BENCH_PG/postgres" -c "select count(*) from pg_stat_activity where datname = '$PG_DB'" 2>/dev/null || echo 0)"
     (( n > peak )) && peak=$n && echo "$peak" >"$DATA_DIR/peak_connections"
   done) &
  SAMPLER_PID=$!
fi
SEND_OUT="$(EVO_BENCH_ENDPOINT="$ENDPOINT" EVO_BENCH_KEY="$API_KEY" EVO_BENCH_THREADS="$THREADS" \
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s bench/sendmessage.lua "http://$ADDR/messages")"
EVO_TICKS1="$(proc_ticks "$SERVER_PID")"; PG_TICKS1="$(postgres_ticks)"
[[ -n "$SAMPLER_PID" ]] && { kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; }
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
CPU_LINE="cpu per message: evo $(us_per_msg "$EVO_TICKS0" "$EVO_TICKS1" "$SEND_2XX") us"
if [[ -n "$PG_DB" ]]; then
  CPU_LINE="$CPU_LINE, postgres $(us_per_msg "$PG_TICKS0" "$PG_TICKS1" "$SEND_2XX") us"
  CONNECTIONS_USED="$(cat "$DATA_DIR/peak_connections" 2>/dev/null || echo "?")"
  CPU_LINE="$CPU_LINE (server, connections that closed included); most connections evo held: $CONNECTIONS_USED"
fi
echo "$CPU_LINE"

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
# --- the PostgreSQL bound: evo's statements from pgbench, one transaction per message ---------
# At evo's pool size and at wrk's connection count (the better one is the bound), then paced at
# the rate of evo's paced run for the database's own latency at that load.
PGBENCH_LINE=""
if [[ -n "$PG_DB" ]]; then
  pgbench_run() { # pgbench_run CLIENTS [extra pgbench arguments]
    local clients="$1"; shift
    pgbench -n -M prepared -c "$clients" -j "$THREADS" -T "${DURATION%s}" -D acct="$ACCOUNT" \
      -D endp="$ENDPOINT" -f "$ROOT/bench/pg_sendmessage.sql" "$@" "$EVO_DATABASE_URL" 2>&1
  }
  tps_of() { sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$1" | head -n 1; }
  PGBENCH_TPS=0
  for clients in 16 "$CONNECTIONS"; do
    log "pgbench -c $clients -j $THREADS -T ${DURATION%s} -M prepared -f bench/pg_sendmessage.sql"
    out="$(pgbench_run "$clients")" || die "pgbench failed: $out"
    tps="$(tps_of "$out")"
    echo "pgbench -c $clients: $tps tx/s"
    PGBENCH_LINE="${PGBENCH_LINE:+$PGBENCH_LINE, }-c $clients ${tps%.*} tx/s"
    PGBENCH_TPS="$(awk -v a="$PGBENCH_TPS" -v b="$tps" 'BEGIN { print (b > a ? b : a) }')"
  done
  LOG_DIR="$(mktemp -d)"
  log "pgbench paced at $PACED_RPS tx/s (-R), per-transaction latency log"
  (cd "$LOG_DIR" && pgbench_run 16 -R "$PACED_RPS" -l --log-prefix=paced >/dev/null) || die "paced pgbench failed"
  PGBENCH_PACED_P99="$(cat "$LOG_DIR"/paced* | awk '{ print $3 }' | sort -n | awk '{ v[NR] = $1 }
    END { if (NR > 0) printf "%.2f", v[int(NR * 0.99)] / 1000 }')"
  rm -rf "$LOG_DIR"
  PGBENCH_LINE="pgbench (evo's statements): $PGBENCH_LINE; paced at $PACED_RPS tx/s: p99 $PGBENCH_PACED_P99 ms"
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
$CPU_LINE
${PGBENCH_LINE:+$PGBENCH_LINE
evo / pgbench: $(awk -v e="$SEND_RPS" -v p="${PGBENCH_TPS:-0}" 'BEGIN { if (p > 0) printf "%.2f", e / p }')
}===============================================================
SUMMARY

if [[ "$SEND_NON2XX" -ne 0 || "$PACED_NON2XX" -ne 0 || "$STORED" -lt "$SEND_2XX" ]]; then
  exit 2
fi
