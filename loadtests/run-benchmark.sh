#!/usr/bin/env bash
# The side-by-side gateway benchmark in one command (see docs/benchmarks.md):
#   loadtests/run-benchmark.sh                 # standard profile, about 8 minutes
#   PROFILE=quick loadtests/run-benchmark.sh   # about 4 minutes
#   PROFILE=smoke loadtests/run-benchmark.sh   # seconds: proves the rig works, times nothing
# Starts the mock (the simulator, its own process), plain YARP (the floor), MassRouter (Release, auth on) and Portkey's
# gateway, pins them with taskset (targets on one core, mock + generator on the other, when there are 2+ cores), runs the
# board methodology against each in the same run and writes results.json, report.md and charts to $OUT.
# Environment: PROFILE, OUT, NOTE, SKIP_PORTKEY=1, PORTKEY_DIR (npm install cache), MASSROUTER_ARGS (extra gateway
# configuration for the subject), MASSROUTER_METERED_ARGS (when set, a second MassRouter with these extra switches runs
# as target "massrouter-metered", so metering on vs off is measured in the same run), BASE_PORT (default 18100),
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
MOCK_PORT=$BASE_PORT; YARP_PORT=$((BASE_PORT + 1)); MR_PORT=$((BASE_PORT + 2)); PK_PORT=$((BASE_PORT + 3)); MRM_PORT=$((BASE_PORT + 4))
KEY=sk-bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
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
    --MassRouter:ApiKeys:0:Key="$KEY" \
    --MassRouter:Providers:sim:BaseUrl="http://127.0.0.1:$MOCK_PORT/v1" \
    --MassRouter:Models:0:Id=bench --MassRouter:Models:0:Deployments:0:Provider=sim \
    "$@") >"$OUT/$log" 2>&1 &
}
echo "== starting MassRouter on :$MR_PORT"
# shellcheck disable=SC2086 # the *_ARGS variables are lists of --Key=value switches
start_massrouter "$MR_PORT" massrouter.log ${MASSROUTER_ARGS:-}
MR_PID=$!; PIDS+=("$MR_PID")
METERED_TARGETS=()
if [ -n "${MASSROUTER_METERED_ARGS:-}" ]; then
  echo "== starting MassRouter (metered) on :$MRM_PORT"
  # shellcheck disable=SC2086
  start_massrouter "$MRM_PORT" massrouter-metered.log ${MASSROUTER_ARGS:-} $MASSROUTER_METERED_ARGS
  MRM_PID=$!; PIDS+=("$MRM_PID")
  wait_http "http://127.0.0.1:$MRM_PORT/healthz" 60 || { echo "!! massrouter-metered did not start (see $OUT/massrouter-metered.log)" >&2; exit 1; }
  METERED_TARGETS=(--target "name=massrouter-metered;url=http://127.0.0.1:$MRM_PORT;pid=$MRM_PID;model=bench;header=Authorization: Bearer $KEY;metrics=http://127.0.0.1:$MRM_PORT/metrics;version=$MASSROUTER_COMMIT")
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
  --note "${NOTE:-}${NOTE:+ }Pinning: $PINNING. .NET SDK $DOTNET_VERSION." \
  --target "name=direct;url=http://127.0.0.1:$MOCK_PORT;pid=$MOCK_PID;model=bench;version=simulator@$MASSROUTER_COMMIT" \
  --target "name=plain-yarp;url=http://127.0.0.1:$YARP_PORT;pid=$YARP_PID;model=bench;version=Yarp.ReverseProxy 2.3.0" \
  --target "name=massrouter;url=http://127.0.0.1:$MR_PORT;pid=$MR_PID;model=bench;header=Authorization: Bearer $KEY;metrics=http://127.0.0.1:$MR_PORT/metrics;version=$MASSROUTER_COMMIT" \
  "${METERED_TARGETS[@]}" \
  --target "$PORTKEY_TARGET" | tee "$OUT/console.txt"
