#!/usr/bin/env bash
# ddblocal benchmark: start time, idle RSS, PutItem/GetItem throughput and server CPU per operation,
# for ddblocal, DynamoDB Local (the oracle) and dynalite, in one run, alternating systems.
# Workloads: PutItem and GetItem at 1 and 32 connections; UpdateItem "ADD n :one" on one hot key
# (UpdateAdd) and "SET v = :v" with a condition on random keys (UpdateSet) at 32 connections;
# Query (the 20 newest items of a 10,000-item partition) and a 100-item Scan page at 32
# connections; and, in-process (bench/query_cost.c, no HTTP), the Query cost at 1,000 vs
# 100,000 items in the partition; BatchWriteItem of 25 puts and TransactWriteItems of 10 actions
# (5 puts, 5 conditional ADDs) at 32 connections (CPU per item = CPU per operation / 25 or 10),
# each into a table of its own created empty at setup ("bench_batch", "bench_txn"), so that every
# system starts them on the same table whatever its earlier PutItem runs wrote to "bench";
# streams (issue 7; not dynalite, which has none): PutItem on a table with a NEW_AND_OLD_IMAGES
# stream (PutStream, 32 connections; target: at most 1.5x ddblocal's PutItem CPU/op) and
# DynamoDB Streams GetRecords of 1000 records from one TRIM_HORIZON iterator (32 connections).
# Method: ../shared/reference/performance.md. Results: bench/results.txt and bench/results.json.
#
# Usage: bench/run.sh [DDBLOCAL_BINARY] [ORACLE_SCRIPT]
#   e.g. bench/run.sh ./build/ddblocal ../shared/oracle/dynamodb-local     (what `make bench` runs)
# A missing/absent binary or oracle skips that system with a message.
# Knobs (environment):
#   BENCH_DURATION=5   seconds per measured wrk run      BENCH_WARMUP=3   seconds of warm-up per op
#   BENCH_RUNS=3       start-time runs per system/mode   BENCH_KEYS=500   pre-populated GetItem keys
#   BENCH_RECORDS=1000 stream records per GetRecords (1..1000; items written to "bench_records")
#   BENCH_MODES="mem disk"   BENCH_SYSTEMS="ddblocal dynamodb-local dynalite"
#   BENCH_DYNALITE_DIR=bench/.cache/dynalite (npm prefix; dynalite is installed there if absent)
#   BENCH_KEEP=1       keep the scratch directory (server logs, raw results) after the run
#   BENCH_WORKLOADS="get query"   only these workloads (default: all): put get putstream records
#                      update query scan batch txn, or exact ones like GetItem:32; the floor runs
#                      with get, the in-process Query cost with query. A partial run prints its
#                      table and leaves bench/results.txt and bench/results.json alone.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
abspath() { [[ -z $1 ]] && return; [[ $1 == /* ]] && echo "$1" || echo "$PWD/$1"; }
DDB=$(abspath "${1:-}")
ORACLE=$(abspath "${2:-}")
DURATION=${BENCH_DURATION:-5}
WARMUP=${BENCH_WARMUP:-3}
RUNS=${BENCH_RUNS:-3}
NKEYS=${BENCH_KEYS:-500}
NRECORDS=${BENCH_RECORDS:-1000}
MODES=${BENCH_MODES:-"mem disk"}
WANT=${BENCH_SYSTEMS:-"ddblocal dynamodb-local dynalite"}
DYNALITE_DIR=${BENCH_DYNALITE_DIR:-$here/.cache/dynalite}
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null || PY=/usr/bin/python3
HELPER="$PY $here/helper.py"
WORKLOADS=${BENCH_WORKLOADS:-}
# wanted WORKLOAD:CONNS -> whether BENCH_WORKLOADS selects it (all when unset)
wanted() {
  [[ -z $WORKLOADS ]] && return 0
  local w
  for w in $WORKLOADS; do
    case $w in
      put) [[ $1 == PutItem:* ]] ;;
      get) [[ $1 == GetItem:* ]] ;;
      putstream) [[ $1 == PutStream:* ]] ;;
      records) [[ $1 == GetRecords:* ]] ;;
      update) [[ $1 == Update*:* ]] ;;
      query) [[ $1 == Query:* ]] ;;
      scan) [[ $1 == Scan:* ]] ;;
      batch) [[ $1 == BatchWrite:* ]] ;;
      txn) [[ $1 == TxnWrite:* ]] ;;
      *) [[ $1 == "$w" ]] ;;
    esac && return 0
  done
  return 1
}
CLK_TCK=$(getconf CLK_TCK)

work=$(mktemp -d /tmp/ddbbench.XXXXXX)
RESULTS=$work/results.jsonl
: >"$RESULTS"
: >"$work/pids"
failed=0

say() { printf '%s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# --- process control ----------------------------------------------------------------------------
alive() { # pid: running and not a zombie
  [[ -r /proc/$1/stat ]] || return 1
  local st; st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [[ -n $st && $st != Z && $st != X ]]
}
stop_pid() {
  local pid=$1 i
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do alive "$pid" || return 0; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null
  for ((i = 0; i < 40; i++)); do alive "$pid" || return 0; sleep 0.05; done
}
cleanup() {
  local pid
  for pid in $(cat "$work/pids" 2>/dev/null); do stop_pid "$pid"; done
  if [[ ${BENCH_KEEP:-0} == 1 || $failed != 0 ]]; then
    say "bench: scratch files (server logs, raw results) kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'say "bench: interrupted"; exit 130' INT TERM

cpu_of() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

record() { printf '%s\n' "$1" >>"$RESULTS"; }
jstr() { $PY -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
fail() { # system mode message
  failed=1
  say "bench: FAILED: $1 ($2): $3" >&2
  record "{\"kind\":\"failure\",\"system\":\"$1\",\"mode\":\"$2\",\"message\":$(jstr "$3")}"
}

# --- which systems can run ----------------------------------------------------------------------
command -v wrk >/dev/null || die "wrk not found (apt-get install -y wrk)"
SYSTEMS=()
for s in $WANT; do
  case $s in
    ddblocal)
      if [[ -n $DDB && -x $DDB && -f $DDB ]]; then SYSTEMS+=(ddblocal)
      else say "bench: SKIPPING ddblocal: binary '${1:-<none given>}' is absent or not executable (build it with 'make all')"; fi ;;
    dynamodb-local)
      jv=$(java -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')
      if [[ -z $ORACLE || ! -x $ORACLE ]]; then
        say "bench: SKIPPING DynamoDB Local: oracle script '${2:-<none given>}' is absent or not executable"
      elif [[ -z $jv || ${jv%%.*} -lt 17 ]]; then
        say "bench: SKIPPING DynamoDB Local: needs Java 17+ (found '${jv:-none}'; apt-get install -y openjdk-17-jre-headless)"
      elif ! "$ORACLE" --where >/dev/null; then
        say "bench: SKIPPING DynamoDB Local: '$ORACLE --where' failed (jar download?)"
      else SYSTEMS+=(dynamodb-local); fi ;;
    dynalite)
      cli=$DYNALITE_DIR/node_modules/dynalite/cli.js
      if [[ ! -f $cli ]] && command -v npm >/dev/null; then
        say "bench: installing dynalite into $DYNALITE_DIR (npm)"
        mkdir -p "$DYNALITE_DIR"
        npm install --prefix "$DYNALITE_DIR" --no-audit --no-fund --loglevel=error dynalite@4 >"$work/npm.log" 2>&1 ||
          { say "bench: npm install dynalite failed:"; tail -5 "$work/npm.log"; }
      fi
      if [[ -f $cli ]] && command -v node >/dev/null; then SYSTEMS+=(dynalite)
      else say "bench: SKIPPING dynalite: not installed (needs node and npm)"; fi ;;
    *) die "unknown system '$s' in BENCH_SYSTEMS" ;;
  esac
done
((${#SYSTEMS[@]})) || die "no system to benchmark"

# --- meta ---------------------------------------------------------------------------------------
cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
meta_ddb=""; meta_ora=""; meta_dyn=""
[[ " ${SYSTEMS[*]} " == *" ddblocal "* ]] && meta_ddb="$DDB"
[[ " ${SYSTEMS[*]} " == *" dynamodb-local "* ]] && meta_ora="$ORACLE (DynamoDB Local 1.25.1, java $jv)"
[[ " ${SYSTEMS[*]} " == *" dynalite "* ]] &&
  meta_dyn="dynalite $(awk -F'"' '/"version"/ {print $4; exit}' "$DYNALITE_DIR/node_modules/dynalite/package.json"), node $(node --version)"
load0=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load0" -v n="$(nproc)" 'BEGIN {exit !(l > n)}'; then
  say "bench: WARNING: load average $load0 on $(nproc) CPUs: the machine is busy, figures will be noisy"
fi
record "{\"kind\":\"meta\",\"load_at_start\":$load0,\"date\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"machine\":$(jstr "$(nproc) CPUs, $cpu_model"),\"duration\":$DURATION,\"warmup\":$WARMUP,\"runs\":$RUNS,\"keys\":$NKEYS,\"ddblocal\":$(jstr "$meta_ddb"),\"dynamodb-local\":$(jstr "$meta_ora"),\"dynalite\":$(jstr "$meta_dyn")}"

say "bench: systems: ${SYSTEMS[*]}; modes: $MODES; $RUNS start runs; ${DURATION}s per wrk run"

# --- start one server ---------------------------------------------------------------------------
declare -A PID PORT
start_sys() { # system mode run -> PID[system], PORT[system]; records a start row
  local sys=$1 mode=$2 run=$3 port dir="" poll=50 timeout=30 cmd out pid ms cpu rss
  port=$($HELPER freeport) || { fail "$sys" "$mode" "no free port"; return 1; }
  if [[ $mode == disk ]]; then dir=$(mktemp -d "$work/db-$sys.XXXX"); fi
  case $sys in
    ddblocal)
      poll=2; timeout=20
      if [[ $mode == mem ]]; then cmd=("$DDB" -inMemory -port "$port")
      else cmd=("$DDB" -sharedDb -dbPath "$dir" -port "$port"); fi ;;
    dynamodb-local)
      timeout=90
      if [[ $mode == mem ]]; then cmd=("$ORACLE" -inMemory -port "$port")
      else cmd=("$ORACLE" -sharedDb -dbPath "$dir" -port "$port"); fi ;;
    floor)
      poll=2; timeout=10; cmd=("$work/floor" -port "$port") ;;
    dynalite)
      cmd=(node "$DYNALITE_DIR/node_modules/dynalite/cli.js" --port "$port" --createTableMs 0 --deleteTableMs 0 --updateTableMs 0)
      [[ $mode == disk ]] && cmd+=(--path "$dir") ;;
  esac
  local log=$work/$sys-$mode-$run.log
  if ! out=$($HELPER start "$log" "$poll" "$timeout" -- "${cmd[@]}" 2>"$work/start.err"); then
    cat "$work/start.err" >&2
    fail "$sys" "$mode" "server did not start: $(head -1 "$work/start.err")"
    return 1
  fi
  read -r pid ms cpu <<<"$out"
  echo "$pid" >>"$work/pids"
  sleep 1
  rss=$(rss_kb "$pid")
  if ! alive "$pid"; then fail "$sys" "$mode" "server exited right after starting (log: $log)"; return 1; fi
  PID[$sys]=$pid; PORT[$sys]=$port
  record "{\"kind\":\"start\",\"system\":\"$sys\",\"mode\":\"$mode\",\"run\":$run,\"ms\":$ms,\"cpu_ticks\":$cpu,\"rss_kb\":${rss:-0}}"
  printf '  %-4s %-15s start run %d: %7.1f ms to first ListTables, %5d ms CPU, idle RSS %6.1f MB\n' \
    "$mode" "$sys" "$run" "$ms" $((cpu * 1000 / CLK_TCK)) "$(awk -v k="${rss:-0}" 'BEGIN {print k / 1024}')"
}

# --- one wrk run --------------------------------------------------------------------------------
run_wrk() { # system mode op conns seconds record(0|1)
  local sys=$1 mode=$2 op=$3 conns=$4 secs=$5 rec=$6 pid=${PID[$1]} port=${PORT[$1]} threads=1 script arg c0 c1 out res
  local args
  ((conns > 1)) && threads=2
  case $op in
    PutItem) script=$here/put.lua; args=("p$RANDOM$RANDOM") ;;
    PutStream) script=$here/put.lua; args=("s$RANDOM$RANDOM" bench_stream) ;;
    GetItem) script=$here/get.lua; args=("$NKEYS") ;;
    UpdateAdd) script=$here/update_add.lua; args=("$NKEYS") ;;
    UpdateSet) script=$here/update_set.lua; args=("$NKEYS") ;;
    Query) script=$here/query.lua; args=(0) ;;
    Scan) script=$here/scan.lua; args=(0) ;;
    BatchWrite) script=$here/batch_write.lua; args=("b$RANDOM$RANDOM" bench_batch) ;;
    TxnWrite) script=$here/txn_write.lua; args=("t$RANDOM$RANDOM" bench_txn) ;;
    GetRecords) # a fresh TRIM_HORIZON iterator (valid 15 minutes), checked to give NRECORDS records
      script=$here/get_records.lua
      if ! arg=$($HELPER iterator "$port" "$NRECORDS" 2>"$work/iterator.err"); then
        cat "$work/iterator.err" >&2
        fail "$sys" "$mode" "GetRecords: no shard iterator: $(head -1 "$work/iterator.err")"
        return 1
      fi
      args=("$arg" "$NRECORDS") ;;
  esac
  c0=$(cpu_of "$pid")
  out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 10s -s "$script" "http://127.0.0.1:$port/" -- "${args[@]}" 2>&1)
  c1=$(cpu_of "$pid" 2>/dev/null)
  res=$(sed -n 's/^WRKRESULT //p' <<<"$out")
  if [[ -z $res || -z $c1 ]] || ! alive "$pid"; then
    say "$out" >&2
    fail "$sys" "$mode" "$op with $conns connections: wrk gave no result or the server died"
    return 1
  fi
  if [[ $op == GetRecords ]] && ! grep -q '"short":0}' <<<"$res"; then
    fail "$sys" "$mode" "GetRecords: some checked answers did not hold $NRECORDS records: $res"
  fi
  ((rec)) || return 0
  record "{\"kind\":\"wrk\",\"system\":\"$sys\",\"mode\":\"$mode\",\"op\":\"$op\",\"conns\":$conns,\"cpu_ticks\":$((c1 - c0)),\"wrk\":$res}"
  $PY - "$res" "$((c1 - c0))" "$CLK_TCK" "$mode" "$sys" "$op" "$conns" <<'EOF'
import json, sys
r = json.loads(sys.argv[1]); ticks = int(sys.argv[2]); tck = float(sys.argv[3])
mode, sys_, op, conns = sys.argv[4:8]
n = r["requests"]; ops = n / (r["duration_us"] / 1e6)
cpu = ticks / tck * 1e6 / n if n else float("nan")
bad = r["non2xx"] + r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"]
print("  %-4s %-15s %-10s %2s conn: %9.0f ops/s  %8.1f us CPU/op  p50 %6.2f ms  p99 %7.2f ms%s%s" % (
    mode, sys_, op, conns, ops, cpu, r["lat_p50_us"] / 1000, r["lat_p99_us"] / 1000,
    "  (%.2f us CPU/record, %d of %d checked answers short)" % (cpu / r["records_per_op"], r["short"], r["checked"])
    if r.get("records_per_op") else "",
    "" if not bad else "   !! %d non-2xx, %d socket errors" % (r["non2xx"], bad - r["non2xx"])))
EOF
  if ! grep -q '"non2xx":0,"connect_errors":0,"read_errors":0,"write_errors":0,"timeouts":0' <<<"$res"; then
    $HELPER sample "$port" "$op" "${args[@]}"
  fi
}

rotate() { # n items... -> items rotated left by n
  local n=$1; shift; local a=("$@") k=${#a[@]} i
  for ((i = 0; i < k; i++)); do printf '%s ' "${a[(i + n) % k]}"; done
}

# --- the run ------------------------------------------------------------------------------------
for mode in $MODES; do
  say ""
  say "== mode: $mode =="
  active=()
  PID=(); PORT=()
  for ((run = 1; run <= RUNS; run++)); do
    for sys in $(rotate $((run - 1)) "${SYSTEMS[@]}"); do
      [[ $run -gt 1 && " ${active[*]} " != *" $sys "* ]] && continue # failed earlier
      if start_sys "$sys" "$mode" "$run"; then
        [[ $run == 1 ]] && active+=("$sys")
        # the last run's servers stay up for the throughput workloads
        ((run < RUNS)) && { stop_pid "${PID[$sys]}"; unset "PID[$sys]"; }
      else
        active=($(for a in "${active[@]}"; do [[ $a != "$sys" ]] && echo "$a"; done))
      fi
    done
  done
  ready=()
  for sys in "${active[@]}"; do
    [[ -n ${PID[$sys]:-} ]] || continue
    if $HELPER setup "${PORT[$sys]}" "$NKEYS" 2>"$work/setup.err"; then ready+=("$sys")
    else cat "$work/setup.err" >&2; fail "$sys" "$mode" "table setup failed: $(head -1 "$work/setup.err")"; fi
  done
  ((${#ready[@]})) || continue
  # stream tables (PutStream, GetRecords): a system without streams (dynalite) skips those workloads
  streamy=()
  for sys in "${ready[@]}"; do
    $HELPER streams "${PORT[$sys]}" "$NRECORDS" 2>"$work/streams.err"
    case $? in
      0) streamy+=("$sys") ;;
      3) say "  $mode $sys: SKIPPING PutStream and GetRecords: $(head -1 "$work/streams.err")" ;;
      *) cat "$work/streams.err" >&2; fail "$sys" "$mode" "stream table setup failed: $(head -1 "$work/streams.err")" ;;
    esac
  done
  say "  warm-up (${WARMUP}s PutItem + ${WARMUP}s GetItem at 32 connections each; GetRecords, and PutStream" \
      "right before its measured run, where streams exist)"
  for sys in "${ready[@]}"; do
    run_wrk "$sys" "$mode" PutItem 32 "$WARMUP" 0 && run_wrk "$sys" "$mode" GetItem 32 "$WARMUP" 0 || true
    [[ " ${streamy[*]} " == *" $sys "* ]] && { run_wrk "$sys" "$mode" GetRecords 32 "$WARMUP" 0 || true; }
  done
  # GetRecords runs first, while every system's streams hold the same records (the 1,000 of
  # bench_records): PutStream then adds as many records as each system manages to write, and
  # the cost of GetRecords may depend on the size of the whole stream store.
  i=0
  for wl in GetRecords:32 PutItem:1 PutItem:32 PutStream:32 GetItem:1 GetItem:32 UpdateAdd:32 UpdateSet:32 \
            Query:32 Scan:32 BatchWrite:32 TxnWrite:32; do
    wanted "$wl" || { i=$((i + 1)); continue; }
    for sys in $(rotate $i "${ready[@]}"); do
      alive "${PID[$sys]}" || continue
      [[ $wl == PutStream:* || $wl == GetRecords:* ]] && [[ " ${streamy[*]} " != *" $sys "* ]] && continue
      [[ $wl == PutStream:* ]] && { run_wrk "$sys" "$mode" PutStream 32 "$WARMUP" 0 || true; }
      run_wrk "$sys" "$mode" "${wl%%:*}" "${wl##*:}" "$DURATION" 1
    done
    i=$((i + 1))
  done
  for sys in "${!PID[@]}"; do stop_pid "${PID[$sys]}"; done
done

# --- the machine's floor: a fixed-reply epoll server (bench/floor.c), GetItem workloads only ---
if ! wanted GetItem:1 && ! wanted GetItem:32; then
  : # no GetItem workload: no floor
elif cc -O2 -o "$work/floor" "$here/floor.c" 2>"$work/floor.err"; then
  say ""
  say "== the machine's floor: fixed reply, no parsing, no storage (bench/floor.c) =="
  PID=(); PORT=()
  if start_sys floor mem 1; then
    for c in 1 32; do run_wrk floor mem GetItem "$c" "$DURATION" 1; done
    stop_pid "${PID[floor]}"
  fi
else
  say "bench: cannot build bench/floor.c: $(head -1 "$work/floor.err")"
fi

# --- Query cost in-process at 1,000 vs 100,000 items in the partition (bench/query_cost.c) ----
lib=$(dirname "${DDB:-/nonexistent}")/libddbcore.a
if ! wanted Query:32; then
  : # no Query workload: no in-process Query cost
elif [[ " ${SYSTEMS[*]} " == *" ddblocal "* && -f $lib ]] &&
   cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -I"$here/../include" -o "$work/query_cost" "$here/query_cost.c" "$lib" \
      $(pkg-config --libs sqlite3 libcjson libcrypto) -lm 2>"$work/qcost.err"; then
  say ""
  say "== Query cost in-process (ddb_call, no HTTP) by partition size =="
  while read -r tag items us; do
    [[ $tag == QCOST ]] || continue
    printf '  %9s items in the partition: %6.2f us per Query (20 newest)\n' "$items" "$us"
    record "{\"kind\":\"qcost\",\"items\":$items,\"us\":$us}"
  done < <("$work/query_cost" "${BENCH_QCOST_ITERS:-20000}" 1000 100000)
else
  say "bench: SKIPPING the in-process Query cost: no ddblocal or $lib, or bench/query_cost.c did not build"
fi

say ""
if [[ -n $WORKLOADS ]]; then
  $HELPER report "$RESULTS" "$work/results.txt" "$work/results.json" "$CLK_TCK"
  say "(partial run, BENCH_WORKLOADS=\"$WORKLOADS\": bench/results.txt and bench/results.json left as they were)"
else
  $HELPER report "$RESULTS" "$here/results.txt" "$here/results.json" "$CLK_TCK"
  say "(written to bench/results.txt and bench/results.json)"
fi
# --- stream triggers (issue 8): bench/triggers.py, its own results file ----------------------
# (placed before the final exit so that it runs; latency PutItem -> handler for exec, python and
# builtin handlers, and the throughput of a builtin and an exec handler under a write burst)
if [[ " ${SYSTEMS[*]} " == *" ddblocal "* ]]; then
  say ""
  say "== stream triggers (bench/triggers.py) =="
  $PY "$here/triggers.py" "$DDB" "$here/results.triggers.txt" ||
    { failed=1; say "bench: FAILED: bench/triggers.py" >&2; }
fi
exit $failed
