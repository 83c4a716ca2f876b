#!/usr/bin/env bash
# The resilience load test of issue 7 in one command (see docs/benchmarks.md, "Failover under injected faults"):
#   loadtests/run-failover.sh            # 30 s at 32 in flight
#   DURATION=60 CONCURRENCY=64 loadtests/run-failover.sh
# Starts the mock (the simulator) and MassRouter with one model whose first deployment receives the injected faults
# (x-sim-fault: 429/500/503/529 on 20% of requests) and whose second deployment is healthy (its provider overrides the
# fault header), then runs the `failover` scenario: the client-visible error rate must stay under 0.1%, and a stream
# only counts as a success with exactly the expected content frames and one [DONE] (no duplicated or spliced answer).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${OUT:-$ROOT/artifacts/failover/$(date -u +%Y%m%dT%H%M%SZ)}
BASE_PORT=${BASE_PORT:-18200}
MOCK_PORT=$BASE_PORT; MR_PORT=$((BASE_PORT + 1))
KEY=sk-bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
BIN=bin/Release/net10.0
mkdir -p "$OUT"

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
for project in src/Simulator src/Gateway loadtests; do
  dotnet build "$project" -c Release -m:1 -v q -nologo -clp:ErrorsOnly >&2
done

dotnet src/Simulator/$BIN/MassRouter.Simulator.dll --urls "http://127.0.0.1:$MOCK_PORT" >"$OUT/mock.log" 2>&1 &
PIDS+=($!)
dotnet src/Gateway/$BIN/MassRouter.Gateway.dll --urls "http://127.0.0.1:$MR_PORT" --Logging:LogLevel:Default=Warning \
  --MassRouter:ApiKeys:0:Key="$KEY" \
  --MassRouter:Providers:primary:BaseUrl="http://127.0.0.1:$MOCK_PORT/v1" \
  --MassRouter:Providers:fallback:BaseUrl="http://127.0.0.1:$MOCK_PORT/v1" \
  --MassRouter:Providers:fallback:Headers:x-sim-fault="" \
  --MassRouter:Models:0:Id=failover \
  --MassRouter:Models:0:Deployments:0:Provider=primary \
  --MassRouter:Models:0:Deployments:1:Provider=fallback >"$OUT/gateway.log" 2>&1 &
GW_PID=$!
PIDS+=($GW_PID)
wait_http "http://127.0.0.1:$MOCK_PORT/v1/models" 60
wait_http "http://127.0.0.1:$MR_PORT/healthz" 60

dotnet loadtests/$BIN/MassRouter.LoadTests.dll scenario failover \
  --target "name=massrouter;url=http://127.0.0.1:$MR_PORT;pid=$GW_PID;model=failover;header=Authorization: Bearer $KEY" \
  --duration "${DURATION:-30}" --concurrency "${CONCURRENCY:-32}" --out "$OUT"
echo "== report: $OUT/failover/report.md"
