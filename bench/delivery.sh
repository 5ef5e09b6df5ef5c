#!/usr/bin/env bash
# Delivery throughput benchmark for evo (issue #5; see BENCHMARKS.md, "Delivery").
#
#   bash bench/delivery.sh
#
# Two measurements against `evo carrier-sim` (a Twilio look-alike on loopback), with the sending
# number's pace set out of the way (--mps 10000):
#
# 1. Backlog drain: an API-only node (`serve --no-worker`) takes N messages (wrk,
#    bench/delivery.lua with a per-thread quota), is stopped, and a node with the worker and
#    `--carrier twilio` is started on the same data directory. Timed from its start until the
#    simulator has stored N messages (GET /sim/stats every 100 ms), and until every status
#    callback has been answered (all N Delivered in evo).
# 2. SendMessage → Delivered: a fresh data directory, one node with the worker, wrk at full
#    rate for BENCH_E2E_DURATION, then wait until every stored message is Delivered. The rate is
#    stored messages / (load start → last `finished_at` of a Delivered message).
#
# It also samples CPU time (from /proc) of evo, of its SQLite writer thread, of the simulator,
# of wrk and of the whole machine during each phase, so the summary says what was busy.
#
# Environment:
#   BENCH_PRELOAD        messages in the backlog of part 1 (50000)
#   BENCH_E2E_DURATION   wrk duration of part 2 (15s)
#   BENCH_CONNECTIONS    wrk connections (64)
#   BENCH_THREADS        wrk threads (2)
#   BENCH_MPS            the endpoint's --mps (10000)
#   BENCH_CALLBACK_DELAY simulator --callback-delay in part 2 (10ms; part 1 uses the 100ms default)
#   BENCH_E2E_CALLBACKS  0: in part 2 the simulator holds its status callbacks back and the run
#                        ends when every message is Sent (the writer's cost of insert, claim and
#                        outcome alone, as issue #10 measures it) (1)
#   BENCH_WAIT           longest wait in seconds for each drain (50)
#   BENCH_BACKLOG_CALLBACKS  0: in part 1 the simulator sends no status callbacks while the
#                        backlog drains (--callback-delay 1h), to time the hand-off alone (1)
#   BENCH_SKIP_BACKLOG / BENCH_SKIP_E2E  set to 1 to skip a part
#   CARGO_TARGET_DIR     where `cargo build --release` puts the binary (default: target)
#   BENCH_EVO            path of an evo binary to use instead of building one (A/B runs)
#   BENCH_PG             a PostgreSQL server URL (postgres://postgres@127.0.0.1:5432): evo runs
#                        on a fresh database there per part (dropped afterwards), counts are read
#                        with psql, and the summary adds the postgres processes' CPU
#
# Needs wrk, curl and python3 (for reading evo.db; its sqlite3 module, read-only).
set -euo pipefail

PRELOAD="${BENCH_PRELOAD:-50000}"
E2E_DURATION="${BENCH_E2E_DURATION:-15s}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
THREADS="${BENCH_THREADS:-2}"
MPS="${BENCH_MPS:-10000}"
CALLBACK_DELAY="${BENCH_CALLBACK_DELAY:-10ms}"
E2E_CALLBACKS="${BENCH_E2E_CALLBACKS:-1}"
if [[ "$E2E_CALLBACKS" == 0 ]]; then
  CALLBACK_DELAY=1h; FINAL=Sent; FINAL_AT=sent_at
else
  FINAL=Delivered; FINAL_AT=finished_at
fi
WAIT_SECS="${BENCH_WAIT:-50}"
SKIP_BACKLOG="${BENCH_SKIP_BACKLOG:-0}"
BACKLOG_CALLBACKS="${BENCH_BACKLOG_CALLBACKS:-1}"
SKIP_E2E="${BENCH_SKIP_E2E:-0}"

SIM_SID="ACbench0000000000000000000000000"
SIM_TOKEN="bench-sim-token"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "== $(date +%H:%M:%S) $*"; }
now_ms() { date +%s%3N; }

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
command -v curl >/dev/null 2>&1 || install_pkg curl
command -v wrk >/dev/null 2>&1 || die "wrk is not available"
command -v python3 >/dev/null 2>&1 || die "python3 is needed to read evo.db"

# --- build -------------------------------------------------------------------------------------
if [[ -n "${BENCH_EVO:-}" ]]; then
  EVO="$BENCH_EVO" # an A/B run against a binary built elsewhere
  log "using $EVO (BENCH_EVO; not building)"
else
  log "cargo build --release"
  cargo build --release --quiet
  TARGET_DIR="${CARGO_TARGET_DIR:-target}"
  [[ "$TARGET_DIR" = /* ]] || TARGET_DIR="$ROOT/$TARGET_DIR"
  EVO="$TARGET_DIR/release/evo"
fi
[[ -x "$EVO" ]] || die "$EVO is not an executable"

# --- processes and clean-up --------------------------------------------------------------------
WORK="$(mktemp -d -t evo-delivery-bench.XXXXXX)"
SERVER_PID=""
SIM_PID=""
WRK_PID=""
stop_pid() { # stop_pid PID: SIGTERM, up to 15 s, then SIGKILL
  local pid="$1"
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  [[ -n "$WRK_PID" ]] && { kill -INT "$WRK_PID" 2>/dev/null || true; wait "$WRK_PID" 2>/dev/null || true; }
  stop_pid "$SERVER_PID"
  stop_pid "$SIM_PID"
  if [[ $rc -ne 0 ]]; then
    for f in "$WORK"/*.stderr; do
      [[ -s "$f" ]] || continue
      echo "--- last lines of $(basename "$f") ---" >&2
      tail -n 10 "$f" >&2 || true
    done
  fi
  if [[ -n "${BENCH_PG:-}" ]]; then
    for db in $(psql -qAt "$BENCH_PG/postgres" -c "select datname from pg_database where datname like 'evo\_bench\_$$\_%'" 2>/dev/null); do
      psql -q "$BENCH_PG/postgres" -c "drop database if exists $db with (force)" >/dev/null 2>&1 || true
    done
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_listen PID FILE PREFIX: prints ADDR from the first stdout line "PREFIX http://ADDR".
wait_listen() {
  local pid="$1" file="$2" prefix="$3" line
  for _ in $(seq 100); do # up to ~10 s
    if [[ -s "$file" ]]; then
      line="$(head -n 1 "$file")"
      if [[ "$line" =~ ^$prefix\ http://([^[:space:]]+)$ ]]; then
        echo "${BASH_REMATCH[1]}"
        return 0
      fi
    fi
    kill -0 "$pid" 2>/dev/null || die "$prefix: the process exited before it was listening"
    sleep 0.1
  done
  die "no '$prefix http://ADDR' line within 10 s"
}

# start_sim NAME [ARGS…]: starts the simulator; sets SIM_PID and SIM_ADDR.
start_sim() {
  local name="$1"; shift
  RUST_LOG=warn "$EVO" carrier-sim --listen 127.0.0.1:0 --account-sid "$SIM_SID" \
    --auth-token "$SIM_TOKEN" "$@" >"$WORK/$name.stdout" 2>"$WORK/$name.stderr" &
  SIM_PID=$!
  SIM_ADDR="$(wait_listen "$SIM_PID" "$WORK/$name.stdout" "carrier-sim listening on")"
  log "carrier-sim (pid $SIM_PID) on $SIM_ADDR $*"
}

# start_evo NAME DATA_DIR [ARGS…]: starts `evo serve`; sets SERVER_PID and ADDR.
start_evo() {
  local name="$1" dir="$2"; shift 2
  RUST_LOG=warn evo_on "$dir" serve --listen 127.0.0.1:0 --node-id bench "$@" \
    >"$WORK/$name.stdout" 2>"$WORK/$name.stderr" &
  SERVER_PID=$!
  ADDR="$(wait_listen "$SERVER_PID" "$WORK/$name.stdout" "evo listening on")"
  log "evo serve (pid $SERVER_PID) on $ADDR $*"
}

twilio_args() {
  echo --carrier twilio --twilio-base-url "http://$SIM_ADDR" \
    --twilio-account-sid "$SIM_SID" --twilio-auth-token "$SIM_TOKEN"
}

# setup_tenant DATA_DIR: account, user (role User), endpoint at --mps $MPS, API key.
# pg_url DIR: the PostgreSQL database standing for data directory DIR (BENCH_PG), made on first
# use (a marker file in DIR says so: this runs in subshells); cleanup drops them.
pg_url() {
  local url="$BENCH_PG/evo_bench_$$_$(basename "$1")"
  if [[ ! -e "$1/.pg" ]]; then
    mkdir -p "$1"
    psql -q "$BENCH_PG/postgres" -c "create database ${url##*/}" || die "cannot create ${url##*/}"
    touch "$1/.pg"
  fi
  echo "$url"
}
# evo_on DIR ARGS…: evo on the store for DIR (SQLite in it, or its PostgreSQL database).
evo_on() {
  local dir="$1"; shift
  # exec: in `evo_on … &` the job's pid is then evo's own (the CPU figures read it).
  if [[ -n "${BENCH_PG:-}" ]]; then
    exec "$EVO" --data-dir "$dir" --database-url "$(pg_url "$dir")" "$@"
  else
    exec "$EVO" --data-dir "$dir" "$@"
  fi
}
setup_tenant() {
  local dir="$1" account user
  account="$(evo_on "$dir" admin account create --name "Delivery bench")"
  user="$(evo_on "$dir" admin user create --account "$account" \
    --email bench@example.com --password bench-password --role User)"
  ENDPOINT="$(evo_on "$dir" admin endpoint create --account "$account" \
    --number +15550100001 --name "Bench line" --mps "$MPS")"
  API_KEY="$(evo_on "$dir" admin apikey create --user "$user")"
  [[ -n "$account" && -n "$user" && -n "$ENDPOINT" && -n "$API_KEY" ]] || die "tenant set-up failed"
}

# db DATA_DIR SQL: one row of a read-only query on evo.db, fields separated by spaces.
db() {
  if [[ -n "${BENCH_PG:-}" ]]; then
    psql -qAt -F ' ' "$(pg_url "$1")" -c "$2"
    return
  fi
  python3 - "$1/evo.db" "$2" <<'PY'
import sqlite3, sys
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=10)
row = c.execute(sys.argv[2]).fetchone()
print(" ".join("" if v is None else str(v) for v in row))
PY
}
# The SQL aggregate that joins strings, on the store in use.
if [[ -n "${BENCH_PG:-}" ]]; then JOIN_AGG=string_agg; else JOIN_AGG=group_concat; fi

# latencies DATA_DIR: p50 p99 max of ($FINAL_AT - created_at) over $FINAL messages, in ms:
# how long a message took from the SendMessage commit to the delivered callback being recorded.
latencies() {
  python3 - "$1/evo.db" "$FINAL" "$FINAL_AT" <<'PY'
import sqlite3, sys
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=10)
d = sorted(r[0] for r in c.execute(
    f"select {sys.argv[3]} - created_at from messages where status = ?", (sys.argv[2],)))
if not d:
    print("- - -")
else:
    q = lambda p: d[min(len(d) - 1, int(p * len(d)))]
    print(q(0.50), q(0.99), d[-1])
PY
}

# sim_stat FIELD: stored | callbacks_sent | callbacks_failed | create_requests, from /sim/stats.
sim_stats() { curl -fsS "http://$SIM_ADDR/sim/stats"; }
sim_field() { # sim_field JSON FIELD
  case "$2" in
    callbacks_sent) sed -n 's/.*"callbacks":{[^}]*"sent":\([0-9]*\).*/\1/p' <<<"$1" ;;
    callbacks_failed) sed -n 's/.*"callbacks":{[^}]*"failed":\([0-9]*\).*/\1/p' <<<"$1" ;;
    *) sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" <<<"$1" ;;
  esac
}

# CPU accounting from /proc: ticks (1/CLK_TCK s) of user+system time.
TICK="$(getconf CLK_TCK)"
proc_ticks() { # proc_ticks PID: the process (all its threads)
  [[ -n "$1" && -r "/proc/$1/stat" ]] || { echo 0; return; }
  awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$1/stat"
}
thread_ticks() { # thread_ticks PID NAME: threads whose name starts with NAME
  cat /proc/"$1"/task/*/stat 2>/dev/null | awk -v want="$2" '{
    s = $0; o = index(s, "("); c = match(s, /\) [A-Za-z] /)
    name = substr(s, o + 1, c - o - 1); rest = substr(s, c + 2); split(rest, f, " ")
    if (index(name, want) == 1) t += f[12] + f[13] } END { print t + 0 }'
}
# children_ticks: user+system ticks of this shell's waited-for children (wrk once it has been
# waited for, and the script's own curl/python/awk), from `times` output that cpu_snapshot
# saved: `times` must run in this shell, not in a $(…) subshell (a fork has no children's time).
children_ticks() {
  awk -v tick="$TICK" 'NR == 2 { t = 0
    for (i = 1; i <= 2; i++) { v = $i; m = v; sub(/m.*/, "", m); s = v; sub(/^[0-9]+m/, "", s); sub(/s$/, "", s)
      t += m * 60 + s }
    printf "%.0f", t * tick }' "$WORK/times"
}
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
# pg_ticks: every postgres process's ticks (0 on SQLite; backends that exit are missed).
pg_ticks() {
  [[ -n "${BENCH_PG:-}" ]] || { echo 0; return; }
  local t=0 pid
  for pid in $(pgrep -x postgres); do t=$((t + $(proc_ticks "$pid"))); done
  echo "$t"
}
# cpu_snapshot VAR: sets VAR to "evo writer sim wrk+script machine" ticks and the time in ms.
# Runs in this shell (see children_ticks).
cpu_snapshot() {
  times >"$WORK/times"
  printf -v "$1" '%s' "$(proc_ticks "$SERVER_PID") $(thread_ticks "$SERVER_PID" evo-sqlite) $(proc_ticks "$SIM_PID") $(children_ticks) $(machine_ticks) $(now_ms) $(pg_ticks)"
}
# cpu_report "BEFORE" "AFTER": cores used by each between two snapshots.
cpu_report() {
  awk -v a="$1" -v b="$2" -v tick="$TICK" 'BEGIN {
    split(a, x, " "); split(b, y, " "); secs = (y[6] - x[6]) / 1000
    for (i = 1; i <= 7; i++) if (i != 6) d[i] = (y[i] - x[i]) / tick / (secs > 0 ? secs : 1)
    other = d[5] - d[1] - d[3] - d[4] - d[7]; if (other < 0) other = 0
    printf "evo %.2f (writer thread %.2f), sim %.2f, wrk+script %.2f, postgres %.2f, machine %.2f, other %.2f", d[1], d[2], d[3], d[4], d[7], d[5], other }'
}

# writer_per_message "BEFORE" "AFTER" N: microseconds of SQLite writer-thread CPU per message
# between two snapshots (the number issue #10 halves).
writer_per_message() {
  awk -v a="$1" -v b="$2" -v n="$3" -v tick="$TICK" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    if (n > 0) printf "%.1f", (y[2] - x[2]) / tick / n * 1e6; else printf "n/a" }'
}

# carrier_latency: mean of evo_carrier_request_seconds from evo's /metrics, in ms.
carrier_latency() {
  curl -fsS "http://$ADDR/metrics" | awk '
    /^evo_carrier_request_seconds_sum/ { s = $NF } /^evo_carrier_request_seconds_count/ { n = $NF }
    END { if (n > 0) printf "%.1f ms mean over %d requests", s / n * 1000, n; else printf "n/a" }'
}
# callback_results: evo_status_callbacks_total by result, from evo's /metrics.
callback_results() {
  curl -fsS "http://$ADDR/metrics" | awk -F'[ "]' '/^evo_status_callbacks_total\{/ {
    printf "%s%s=%s", sep, $2, $NF; sep = ", " } END { if (sep == "") printf "none" }'
}

# wal_mb DIR: size of DIR's SQLite WAL in MB (it must stay bounded under steady load).
wal_mb() { awk -v b="$(stat -c %s "$1/evo.db-wal" 2>/dev/null || echo 0)" 'BEGIN { printf "%.1f", b / 1048576 }'; }
secs_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1000 }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
to_ms() { # wrk duration (812.00us, 1.52ms, 2.01s) to milliseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n = n / 1000; else if (u == "s") n = n * 1000; else if (u == "m") n = n * 60000
    printf "%.3f", n }'
}

log "machine: $(nproc) CPUs, $(uptime | sed 's/.*load average/load average/')"
top -b -n1 -o %CPU 2>/dev/null | sed -n '7,12p' || true
STATUS=0

# ===============================================================================================
# Part 1: backlog drain
# ===============================================================================================
if [[ "$SKIP_BACKLOG" != 1 ]]; then
  DIR1="$WORK/backlog"
  mkdir -p "$DIR1" "$WORK/quota"
  log "part 1: tenant in $DIR1 (endpoint --mps $MPS)"
  setup_tenant "$DIR1"
  start_evo preload "$DIR1" --no-worker

  cpu_snapshot CPU_PRELOAD0
  QUOTA=$(( (PRELOAD + THREADS - 1) / THREADS ))
  log "preloading ~$PRELOAD messages: wrk -t$THREADS -c$CONNECTIONS, $QUOTA responses per thread"
  EVO_BENCH_ENDPOINT="$ENDPOINT" EVO_BENCH_KEY="$API_KEY" EVO_BENCH_QUOTA="$QUOTA" \
    EVO_BENCH_DONE_DIR="$WORK/quota" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d60s -s bench/delivery.lua "http://$ADDR/messages" \
    >"$WORK/preload.wrk" 2>&1 &
  WRK_PID=$!
  while kill -0 "$WRK_PID" 2>/dev/null; do
    [[ "$(find "$WORK/quota" -name 'done.*' | wc -l)" -ge "$THREADS" ]] && break
    sleep 0.1
  done
  kill -INT "$WRK_PID" 2>/dev/null || true
  wait "$WRK_PID" || true
  WRK_PID=""
  cat "$WORK/preload.wrk"
  PRELOAD_RESULT="$(grep '^BENCH_RESULT ' "$WORK/preload.wrk" || true)"
  [[ -n "$PRELOAD_RESULT" ]] || die "the preload printed no BENCH_RESULT line"
  PRELOAD_NON2XX="$(sed -n 's/.* non2xx=\([0-9]*\).*/\1/p' <<<"$PRELOAD_RESULT")"
  PRELOAD_RPS="$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$PRELOAD_RESULT")"

  cpu_snapshot CPU_PRELOAD1
  log "stopping the API-only node"
  stop_pid "$SERVER_PID"; SERVER_PID=""
  read -r N OUTBOX <<<"$(db "$DIR1" "select (select count(*) from messages), (select count(*) from outbox)")"
  log "backlog: $N messages, $OUTBOX in the outbox"
  PRELOAD_WRITER_US="$(writer_per_message "$CPU_PRELOAD0" "$CPU_PRELOAD1" "$N")"
  [[ "$N" -gt 0 && "$N" -eq "$OUTBOX" ]] || die "expected every preloaded message in the outbox"

  if [[ "$BACKLOG_CALLBACKS" == 0 ]]; then
    SIM1_DELAY=1h # no callback during the measurement
  else
    SIM1_DELAY=100ms # the simulator's default
  fi
  start_sim sim1 --callback-delay "$SIM1_DELAY"
  log "starting evo serve with the worker, --carrier twilio → $SIM_ADDR"
  T0="$(now_ms)"
  start_evo drain "$DIR1" $(twilio_args)
  cpu_snapshot CPU0
  STORED=0; CB=0; T_STORED=""; T_DELIVERED=""; LAST_PRINT="$T0"
  while :; do
    NOW="$(now_ms)"
    STATS="$(sim_stats)"
    STORED="$(sim_field "$STATS" stored)"
    CB=$(( $(sim_field "$STATS" callbacks_sent) + $(sim_field "$STATS" callbacks_failed) ))
    if [[ -z "$T_STORED" && "$STORED" -ge "$N" ]]; then
      T_STORED="$NOW"
      cpu_snapshot CPU1
    fi
    if [[ -n "$T_STORED" && "$BACKLOG_CALLBACKS" == 0 ]]; then break; fi
    if [[ -n "$T_STORED" && "$CB" -ge $((2 * N)) ]]; then T_DELIVERED="$NOW"; break; fi
    if (( NOW - LAST_PRINT >= 2000 )); then
      echo "   $(secs_between "$T0" "$NOW") s: sim stored $STORED, callbacks answered $CB"
      LAST_PRINT="$NOW"
    fi
    (( NOW - T0 > WAIT_SECS * 1000 )) && break
    sleep 0.1
  done
  cpu_snapshot CPU2
  STATS1="$STATS"
  CARRIER1="$(carrier_latency)"
  CALLBACKS1="$(callback_results)"
  if [[ -n "$T_STORED" ]]; then
    DRAIN_SECS="$(secs_between "$T0" "$T_STORED")"
    DRAIN_RATE="$(rate "$N" "$DRAIN_SECS")"
    DRAIN_CPU="$(cpu_report "$CPU0" "$CPU1")"
    DRAIN_WRITER_US="$(writer_per_message "$CPU0" "$CPU1" "$N")"
  else
    DRAIN_WRITER_US="n/a"
    DRAIN_SECS="timeout"; DRAIN_RATE="$(rate "$STORED" "$WAIT_SECS") (only $STORED of $N stored in ${WAIT_SECS} s)"
    DRAIN_CPU="$(cpu_report "$CPU0" "$CPU2")"; STATUS=2
  fi
  if [[ -n "$T_DELIVERED" ]]; then
    DELIV1_SECS="$(secs_between "$T0" "$T_DELIVERED")"
    DELIV1_RATE="$(rate "$N" "$DELIV1_SECS")"
  else
    DELIV1_SECS="timeout"; DELIV1_RATE="-"
    [[ "$BACKLOG_CALLBACKS" == 0 ]] || STATUS=2
  fi
  echo "sim stats: $STATS1"
  stop_pid "$SERVER_PID"; SERVER_PID=""
  stop_pid "$SIM_PID"; SIM_PID=""
  BY_STATUS1="$(db "$DIR1" "select $JOIN_AGG(status || '=' || n, ', ') from (select status, count(*) n from messages group by status) t")"
  SIM_STORED1="$(sim_field "$STATS1" stored)"
  log "backlog of $N: sim stored all in $DRAIN_SECS s ($DRAIN_RATE msg/s); all callbacks answered after $DELIV1_SECS s; evo: $BY_STATUS1"
  [[ "$SIM_STORED1" -eq "$N" ]] || { echo "sim stored $SIM_STORED1, not $N: a message was sent twice or not at all"; STATUS=2; }
fi

# ===============================================================================================
# Part 2: SendMessage → Delivered, end to end
# ===============================================================================================
if [[ "$SKIP_E2E" != 1 ]]; then
  DIR2="$WORK/e2e"
  mkdir -p "$DIR2"
  log "part 2: tenant in $DIR2 (endpoint --mps $MPS)"
  setup_tenant "$DIR2"
  start_sim sim2 --callback-delay "$CALLBACK_DELAY"
  start_evo e2e "$DIR2" $(twilio_args)

  log "load: wrk -t$THREADS -c$CONNECTIONS -d$E2E_DURATION --latency -s bench/delivery.lua http://$ADDR/messages"
  L0="$(now_ms)"
  EVO_BENCH_ENDPOINT="$ENDPOINT" EVO_BENCH_KEY="$API_KEY" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$E2E_DURATION" --latency -s bench/delivery.lua \
    "http://$ADDR/messages" >"$WORK/e2e.wrk" 2>&1 &
  WRK_PID=$!
  cpu_snapshot CPU0
  wait "$WRK_PID" || true
  L1="$(now_ms)"
  cpu_snapshot CPU1
  WRK_PID=""
  WAL_MB="$(wal_mb "$DIR2")"
  STATS="$(sim_stats)"
  STORED_AT_END="$(sim_field "$STATS" stored)"
  CB_AT_END="$(sim_field "$STATS" callbacks_sent)"
  cat "$WORK/e2e.wrk"
  E2E_RESULT="$(grep '^BENCH_RESULT ' "$WORK/e2e.wrk" || true)"
  [[ -n "$E2E_RESULT" ]] || die "the load printed no BENCH_RESULT line"
  field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$E2E_RESULT"; }
  SEND_RPS="$(printf '%.0f' "$(field rps)")"
  SEND_P50="$(to_ms "$(awk '$1 == "50%" {print $2}' "$WORK/e2e.wrk")")"
  SEND_P99="$(to_ms "$(awk '$1 == "99%" {print $2}' "$WORK/e2e.wrk")")"
  SEND_OK="$(field ok)"
  SEND_NON2XX="$(field non2xx)"
  SEND_SOCKET_ERRORS="$(field socket_errors)"
  LOAD_SECS="$(secs_between "$L0" "$L1")"

  # Requests in flight when wrk stopped may still commit: count once the writer has settled.
  sleep 0.5
  ACCEPTED="$(db "$DIR2" "select count(*) from messages where direction = 'Outgoing'")"
  log "load over after $LOAD_SECS s: $SEND_OK 2xx, $ACCEPTED messages stored; sim had stored $STORED_AT_END"
  T_DONE=""; LAST_PRINT="$L1"
  while :; do
    NOW="$(now_ms)"
    STATS="$(sim_stats)"
    STORED="$(sim_field "$STATS" stored)"
    CB=$(( $(sim_field "$STATS" callbacks_sent) + $(sim_field "$STATS" callbacks_failed) ))
    if [[ "$E2E_CALLBACKS" == 0 && "$STORED" -ge "$ACCEPTED" ]] \
      && [[ "$(db "$DIR2" "select count(*) from messages where status = 'Sent'")" -ge "$ACCEPTED" ]]; then
      T_DONE="$NOW"; break
    fi
    if [[ "$E2E_CALLBACKS" != 0 && "$STORED" -ge "$ACCEPTED" && "$CB" -ge $((2 * ACCEPTED)) ]]; then T_DONE="$NOW"; break; fi
    if (( NOW - LAST_PRINT >= 2000 )); then
      echo "   +$(secs_between "$L1" "$NOW") s after the load: sim stored $STORED of $ACCEPTED, callbacks answered $CB"
      LAST_PRINT="$NOW"
    fi
    (( NOW - L1 > WAIT_SECS * 1000 )) && break
    sleep 0.1
  done
  cpu_snapshot CPU2
  echo "sim stats: $STATS"
  CARRIER2="$(carrier_latency)"
  CALLBACKS2="$(callback_results)"
  read -r DELIVERED LAST_FINISHED <<<"$(db "$DIR2" "select count(*), max($FINAL_AT) from messages where status = '$FINAL'")"
  BY_STATUS2="$(db "$DIR2" "select $JOIN_AGG(status || '=' || n, ', ') from (select status, count(*) n from messages group by status) t")"
  LOAD_CPU="$(cpu_report "$CPU0" "$CPU1")"
  read -r LAT_P50 LAT_P99 LAT_MAX <<<"$(latencies "$DIR2")"
  if [[ -n "$T_DONE" && "$DELIVERED" -eq "$ACCEPTED" ]]; then
    E2E_SECS="$(secs_between "$L0" "$LAST_FINISHED")"
    E2E_RATE="$(rate "$ACCEPTED" "$E2E_SECS")"
  else
    E2E_SECS="timeout"; E2E_RATE="- ($DELIVERED of $ACCEPTED $FINAL after the ${WAIT_SECS} s wait)"
    STATUS=2
  fi
  TAIL_CPU="$(cpu_report "$CPU1" "$CPU2")"
  E2E_WRITER_US="$(writer_per_message "$CPU0" "$CPU2" "$ACCEPTED")"
  DURING_LOAD_RATE="$(rate "$STORED_AT_END" "$LOAD_SECS")"
  [[ "$SEND_NON2XX" -eq 0 ]] || STATUS=2
  SIM_STORED2="$(sim_field "$STATS" stored)"
  [[ "$SIM_STORED2" -eq "$ACCEPTED" ]] || { echo "sim stored $SIM_STORED2, not $ACCEPTED: a message was sent twice or not at all"; STATUS=2; }
  log "e2e: $ACCEPTED accepted, $DELIVERED $FINAL; evo: $BY_STATUS2"
fi

SERVER_LOG_LINES="$(cat "$WORK"/*.stderr 2>/dev/null | grep -c . || true)"
if [[ "$SERVER_LOG_LINES" -gt 0 ]]; then
  echo "evo/sim logged $SERVER_LOG_LINES warning/error lines; the first ones:"
  cat "$WORK"/*.stderr | head -n 5
fi

# --- summary -----------------------------------------------------------------------------------
echo
echo "==================== evo delivery benchmark summary ===================="
echo "$(nproc) CPUs; wrk -t$THREADS -c$CONNECTIONS; endpoint --mps $MPS; $(uptime | sed 's/.*load average/load average/')"
if [[ "$SKIP_BACKLOG" != 1 ]]; then
  met="$(awk -v r="${DRAIN_RATE%% *}" 'BEGIN { print (r + 0 >= 5000 ? "met" : "NOT met") }')"
  echo "1. backlog drain (sim --callback-delay $SIM1_DELAY): $N messages preloaded at $(printf '%.0f' "$PRELOAD_RPS") msg/s (non-2xx $PRELOAD_NON2XX)"
  echo "   SQLite writer thread per accepted message while preloading (SendMessage alone): $PRELOAD_WRITER_US µs"
  echo "   carrier-sim stored all $N in $DRAIN_SECS s: $DRAIN_RATE msg/s (target ≥ 5,000: $met)"
  if [[ "$BACKLOG_CALLBACKS" == 0 ]]; then
    echo "   (no status callbacks in this run: messages stay Sent in evo)"
  else
    echo "   all callbacks answered (every message Delivered in evo) after $DELIV1_SECS s: $DELIV1_RATE msg/s"
  fi
  echo "   CPU cores while draining: $DRAIN_CPU"
  echo "   SQLite writer thread per delivered message while draining: $DRAIN_WRITER_US µs"
  echo "   evo → sim create requests: $CARRIER1; status callbacks: $CALLBACKS1"
  echo "   evo statuses: $BY_STATUS1"
fi
if [[ "$SKIP_E2E" != 1 ]]; then
  met="$(awk -v r="${E2E_RATE%% *}" 'BEGIN { print (r + 0 >= 2000 ? "met" : "NOT met") }')"
  echo "2. SendMessage → $FINAL (sim --callback-delay $CALLBACK_DELAY), load $E2E_DURATION:"
  echo "   SendMessage: $SEND_RPS msg/s, p50 $SEND_P50 ms, p99 $SEND_P99 ms, non-2xx $SEND_NON2XX, socket errors $SEND_SOCKET_ERRORS"
  echo "   accepted (stored) $ACCEPTED; by the end of the load the sim had stored $STORED_AT_END ($DURING_LOAD_RATE msg/s) and evo had answered $CB_AT_END of $((2 * ACCEPTED)) callbacks"
  echo "   per message, SendMessage commit → $FINAL recorded: p50 $LAT_P50 ms, p99 $LAT_P99 ms, max $LAT_MAX ms"
  echo "   last $FINAL $E2E_SECS s after the load started (wrk ran $LOAD_SECS s)"
  echo "   end to end: $E2E_RATE msg/s (target ≥ 2,000: $met); WAL at the end of the load: $WAL_MB MB"
  echo "   CPU cores during the load: $LOAD_CPU"
  echo "   CPU cores after the load, until every callback was answered: $TAIL_CPU"
  echo "   SQLite writer thread per message, insert to $FINAL (load + tail): $E2E_WRITER_US µs"
  echo "   evo → sim create requests: $CARRIER2; status callbacks: $CALLBACKS2"
  echo "   evo statuses: $BY_STATUS2"
fi
echo "warning/error log lines (evo and sim): $SERVER_LOG_LINES"
echo "========================================================================"
exit "$STATUS"
