#!/usr/bin/env bash
# The side-by-side gateway benchmark in one command (see docs/benchmarks.md):
#   loadtests/run-benchmark.sh                 # standard profile, about 30 minutes (five targets)
#   PROFILE=quick loadtests/run-benchmark.sh   # about 4 minutes
#   PROFILE=smoke loadtests/run-benchmark.sh   # seconds: proves the rig works, times nothing
# Starts the mock (the simulator, its own process), plain YARP (the floor), MassRouter (Release, auth on) and Portkey's
# gateway, pins them with taskset (targets on one core, mock + generator on the other, when there are 2+ cores), runs the
# board methodology against each in the same run and writes results.json, report.md and charts to $OUT.
# MassRouter runs as in production: auth, limits and metering on, a metered key (seeded account, limits far above the
# load), against a redis-server pinned beside the mock ("massrouter"); a second MassRouter with metering off and a
# configured key ("massrouter-unmetered") shows what metering costs in the same run.
# Environment: PROFILE, OUT, NOTE, SKIP_PORTKEY=1, PORTKEY_DIR (npm install cache), MASSROUTER_ARGS (extra gateway
# configuration for both MassRouters), REDIS=embedded (the subject uses its embedded Garnet instead of redis-server;
# also the fallback when redis-server is not installed), SKIP_UNMETERED=1, BASE_PORT (default 18100),
# TARGET_CPUS / RIG_CPUS (taskset lists).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PROFILE=${PROFILE:-standard}
OUT=${OUT:-$ROOT/artifacts/benchmark/$(date -u +%Y%m%dT%H%M%SZ)-$PROFILE}
BASE_PORT=${BASE_PORT:-18100}
PORTKEY_DIR=${PORTKEY_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/massrouter-bench/portkey}
PORTKEY_VERSION=1.15.2
HONO_NODE_SERVER_VERSION=1.14.1
MOCK_PORT=$BASE_PORT; YARP_PORT=$((BASE_PORT + 1)); MR_PORT=$((BASE_PORT + 2)); PK_PORT=$((BASE_PORT + 3)); MRU_PORT=$((BASE_PORT + 4))
REDIS_PORT=$((BASE_PORT + 5))
KEY=sk-bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
UNMETERED_KEY=sk-bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir -p "$OUT"

CORES=$(nproc --all)
if [ "$CORES" -ge 2 ] && command -v taskset >/dev/null; then
  RIG_CPUS=${RIG_CPUS:-0}
  TARGET_CPUS=${TARGET_CPUS:-1-$((CORES - 1))}
  pin_rig() { taskset -c "$RIG_CPUS" "$@"; }
  pin_target() { exec taskset -c "$TARGET_CPUS" "$@"; }
  pin_rig_exec() { exec taskset -c "$RIG_CPUS" "$@"; }
  PINNING="mock + generator on CPU $RIG_CPUS, targets on CPU $TARGET_CPUS"
else
  pin_rig() { "$@"; }
  pin_target() { exec "$@"; }
  pin_rig_exec() { exec "$@"; }
  PINNING="no pinning ($CORES core(s) or no taskset)"
fi

# Thousands of concurrent streams need descriptors: a rig limit must not count against a target.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_http() { # url seconds
  local deadline=$((SECONDS + $2))
  until curl -s -o /dev/null --max-time 1 "$1"; do
    [ $SECONDS -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

echo "== building (Release)"
for project in src/Simulator bench/PlainYarp src/Gateway loadtests; do
  dotnet build "$project" -c Release -m:1 -v q -nologo -clp:ErrorsOnly >&2
done
BIN=bin/Release/net10.0
export MASSROUTER_COMMIT=${MASSROUTER_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}

echo "== starting the mock on :$MOCK_PORT ($PINNING)"
(pin_rig_exec dotnet src/Simulator/$BIN/MassRouter.Simulator.dll --urls "http://127.0.0.1:$MOCK_PORT") >"$OUT/mock.log" 2>&1 &
MOCK_PID=$!; PIDS+=("$MOCK_PID")

echo "== starting plain YARP on :$YARP_PORT"
(pin_target dotnet bench/PlainYarp/$BIN/PlainYarp.dll --urls "http://127.0.0.1:$YARP_PORT" --upstream "http://127.0.0.1:$MOCK_PORT") >"$OUT/plain-yarp.log" 2>&1 &
YARP_PID=$!; PIDS+=("$YARP_PID")

start_massrouter() { # port log extra-switches...
  local port=$1 log=$2; shift 2
  (pin_target dotnet src/Gateway/$BIN/MassRouter.Gateway.dll --urls "http://127.0.0.1:$port" \
    --Logging:LogLevel:Default=Warning \
    --MassRouter:Providers:sim:BaseUrl="http://127.0.0.1:$MOCK_PORT/v1" \
    --MassRouter:Models:0:Id=bench --MassRouter:Models:0:Deployments:0:Provider=sim \
    "$@") >"$OUT/$log" 2>&1 &
}

REDIS_ARGS=()
if [ "${REDIS:-server}" != embedded ] && command -v redis-server >/dev/null; then
  # Pinned with the rig, like the mock: in production Redis is a service of its own, not a tenant of the gateway's cores.
  echo "== starting redis-server on :$REDIS_PORT (the subject's Redis, beside the mock)"
  (pin_rig_exec redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no) >"$OUT/redis.log" 2>&1 &
  PIDS+=("$!")
  REDIS_ARGS=(--MassRouter:Redis="127.0.0.1:$REDIS_PORT")
  REDIS_NOTE="MassRouter meters into redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') beside the mock (its CPU is not in MassRouter's CPU per request)."
else
  REDIS_NOTE="MassRouter meters into its embedded Garnet (in-process)."
fi

echo "== starting MassRouter on :$MR_PORT (metered key)"
start_massrouter "$MR_PORT" massrouter.log "${REDIS_ARGS[@]}" \
  --MassRouter:Seed:Accounts:0:Id=u_bench --MassRouter:Seed:Accounts:0:Balance=1000000 --MassRouter:Seed:Accounts:0:Paid=true \
  --MassRouter:Seed:Keys:0:Key="$KEY" --MassRouter:Seed:Keys:0:Account=u_bench \
  --MassRouter:Seed:Keys:0:Rpm=1000000000 --MassRouter:Seed:Keys:0:Tpm=1000000000000 \
  --MassRouter:Metering:Prices:bench:InputPerMillion=0.15 --MassRouter:Metering:Prices:bench:OutputPerMillion=0.60 \
  ${MASSROUTER_ARGS:-}
MR_PID=$!; PIDS+=("$MR_PID")
UNMETERED_TARGETS=()
if [ "${SKIP_UNMETERED:-0}" != 1 ]; then
  echo "== starting MassRouter with metering off on :$MRU_PORT"
  start_massrouter "$MRU_PORT" massrouter-unmetered.log --MassRouter:Metering:Enabled=false \
    --MassRouter:ApiKeys:0:Key="$UNMETERED_KEY" ${MASSROUTER_ARGS:-}
  MRU_PID=$!; PIDS+=("$MRU_PID")
  wait_http "http://127.0.0.1:$MRU_PORT/healthz" 60 || { echo "!! massrouter-unmetered did not start (see $OUT/massrouter-unmetered.log)" >&2; exit 1; }
  UNMETERED_TARGETS=(--target "name=massrouter-unmetered;url=http://127.0.0.1:$MRU_PORT;pid=$MRU_PID;model=bench;header=Authorization: Bearer $UNMETERED_KEY;metrics=http://127.0.0.1:$MRU_PORT/metrics;version=$MASSROUTER_COMMIT (metering off)")
fi

PORTKEY_TARGET="name=portkey;url=http://127.0.0.1:$PK_PORT;unavailable=skipped (SKIP_PORTKEY=1)"
if [ "${SKIP_PORTKEY:-0}" != 1 ]; then
  echo "== starting Portkey $PORTKEY_VERSION on :$PK_PORT"
  portkey_error=""
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    portkey_error="node/npm not installed"
  else
    mkdir -p "$PORTKEY_DIR"
    if [ ! -f "$PORTKEY_DIR/node_modules/@portkey-ai/gateway/build/start-server.js" ] ||
       [ "$(cd "$PORTKEY_DIR" && node -p "require('./node_modules/@hono/node-server/package.json').version" 2>/dev/null)" != "$HONO_NODE_SERVER_VERSION" ]; then
      # @hono/node-server newer than 1.14.1 makes every mapped (notably streaming) response fail (Portkey-AI/gateway#1389).
      (cd "$PORTKEY_DIR" && { [ -f package.json ] || npm init -y >/dev/null; } &&
        npm pkg set "overrides.@hono/node-server=$HONO_NODE_SERVER_VERSION" >/dev/null &&
        npm install --no-audit --no-fund "@portkey-ai/gateway@$PORTKEY_VERSION" "@hono/node-server@$HONO_NODE_SERVER_VERSION") >"$OUT/portkey-install.log" 2>&1 ||
        portkey_error="npm install failed (see portkey-install.log)"
    fi
  fi
  if [ -z "$portkey_error" ]; then
    (cd "$PORTKEY_DIR" && export NODE_ENV=production && pin_target node node_modules/@portkey-ai/gateway/build/start-server.js --port="$PK_PORT" --headless) >"$OUT/portkey.log" 2>&1 &
    PK_PID=$!; PIDS+=("$PK_PID")
    if wait_http "http://127.0.0.1:$PK_PORT/" 60; then
      PK_VERSION=$(cd "$PORTKEY_DIR" && node -p "require('./node_modules/@portkey-ai/gateway/package.json').version" 2>/dev/null || echo "$PORTKEY_VERSION")
      PORTKEY_TARGET="name=portkey;url=http://127.0.0.1:$PK_PORT;pid=$PK_PID;version=$PK_VERSION;model=bench"
      PORTKEY_TARGET+=";header=x-portkey-provider: openai;header=x-portkey-custom-host: http://127.0.0.1:$MOCK_PORT/v1"
      PORTKEY_TARGET+=";header=Authorization: Bearer $KEY;header=x-portkey-forward-headers: x-sim-tokens,x-sim-ttft-ms,x-sim-itl-ms,x-sim-fault"
    else
      portkey_error="did not answer on :$PK_PORT within 60 s (see portkey.log)"
    fi
  fi
  if [ -n "$portkey_error" ]; then
    echo "!! Portkey not available: $portkey_error" >&2
    PORTKEY_TARGET="name=portkey;url=http://127.0.0.1:$PK_PORT;unavailable=$portkey_error"
  fi
fi

for check in "mock http://127.0.0.1:$MOCK_PORT/v1/models" "plain-yarp http://127.0.0.1:$YARP_PORT/v1/models" "massrouter http://127.0.0.1:$MR_PORT/healthz"; do
  set -- $check
  wait_http "$2" 60 || { echo "!! $1 did not start (see $OUT/$1.log)" >&2; exit 1; }
done

DOTNET_VERSION=$(dotnet --version)
echo "== running the board (profile $PROFILE) into $OUT"
pin_rig dotnet loadtests/$BIN/MassRouter.LoadTests.dll board --profile "$PROFILE" --out "$OUT" \
  --note "${NOTE:-}${NOTE:+ — }Pinning: $PINNING. $REDIS_NOTE .NET SDK $DOTNET_VERSION." \
  --target "name=direct;url=http://127.0.0.1:$MOCK_PORT;pid=$MOCK_PID;model=bench;version=simulator@$MASSROUTER_COMMIT" \
  --target "name=plain-yarp;url=http://127.0.0.1:$YARP_PORT;pid=$YARP_PID;model=bench;version=Yarp.ReverseProxy 2.3.0" \
  --target "name=massrouter;url=http://127.0.0.1:$MR_PORT;pid=$MR_PID;model=bench;header=Authorization: Bearer $KEY;metrics=http://127.0.0.1:$MR_PORT/metrics;version=$MASSROUTER_COMMIT" \
  "${UNMETERED_TARGETS[@]}" \
  --target "$PORTKEY_TARGET" | tee "$OUT/console.txt"
