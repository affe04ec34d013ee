#!/usr/bin/env bash
# Gateway overhead, measured side by side in one run: wrk against the LLM simulator directly, then through
# inference-proxy (its own process, in front of the same simulator), at concurrency 1, 16 and 64; then the proxy's
# RSS before and after a long run. Run by hand from the repository root:
#
#   scripts/bench/proxy/run.sh [seconds-per-step=15] [soak-requests=500000] [upstream-latency-ms=20]
#
# The simulator answers every request with 16 tokens after a fixed latency (20 ms by default: far less than a real
# model, enough that throughput at concurrency 64 measures the gateway, not a race between two trivial loops on two
# shared cores; 0 measures raw capacity). The proxy runs with the in-memory bus and SQLite (no broker on this path:
# InferenceCompleted is published in process and consumed by nobody) and request logging at Warning.
set -euo pipefail
cd "$(dirname "$0")/../../.."
STEP=${1:-15}
SOAK=${2:-500000}
LATENCY=${3:-20}
SIM_PORT=5181
PROXY_PORT=5182
ROOT=$(pwd)
WORK=$(mktemp -d /tmp/llmops-bench-proxy.XXXX)
KEY=bench-admin-key-0123456789abcdef

command -v wrk >/dev/null || { echo "installing wrk" >&2; apt-get install -y -qq wrk >/dev/null; }
for project in services/llm-simulator services/inference-proxy; do dotnet build -c Release "$project" -v quiet -nologo >/dev/null; done

cleanup() { kill "${SIM_PID:-}" "${PROXY_PID:-}" 2>/dev/null || true; }
trap cleanup EXIT

Serilog__MinimumLevel__Default=Warning Simulator__TimeToFirstTokenMs=$LATENCY \
  dotnet services/llm-simulator/bin/Release/net10.0/LlmOps.LlmSimulator.dll --urls "http://127.0.0.1:$SIM_PORT" \
  > "$WORK/simulator.log" 2>&1 &
SIM_PID=$!
(cd "$WORK" && env ${PROXY_ENV:-} \
  Messaging__Transport=InMemory Storage__Provider=Sqlite Storage__DataDirectory="$WORK/data" Auth__AdminKey=$KEY \
  Serilog__MinimumLevel__Default=Warning \
  InferenceProxy__CaptureContent=true \
  InferenceProxy__Deployments__0__Name=simulator \
  InferenceProxy__Deployments__0__BaseUrl="http://127.0.0.1:$SIM_PORT/v1" \
  InferenceProxy__Deployments__0__Models__0='*' \
  dotnet "$ROOT"/services/inference-proxy/bin/Release/net10.0/LlmOps.InferenceProxy.dll --urls "http://127.0.0.1:$PROXY_PORT" \
  > "$WORK/proxy.log" 2>&1) &
PROXY_PID=$!
for url in "http://127.0.0.1:$SIM_PORT/health/live" "http://127.0.0.1:$PROXY_PORT/health/live"; do
  for _ in $(seq 1 60); do curl -sf "$url" >/dev/null && break; sleep 0.5; done
done
PROXY_PID=$(pgrep -f "LlmOps.InferenceProxy.dll --urls http://127.0.0.1:$PROXY_PORT" | head -n1)

export BENCH_KEY=$KEY
run() { # url connections seconds -> "rps p50_ms p99_ms non200"
  local url=$1 c=$2 s=$3 t=$(( $2 < 2 ? 1 : 2 ))
  local out; out=$(wrk -t"$t" -c"$c" -d"${s}s" --latency -s scripts/bench/proxy/chat.lua "$url/v1/chat/completions")
  local rps p50 p99 non200
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non200=$(awk '/NON200/ {print $2}' <<<"$out")
  echo "$rps $(ms "$p50") $(ms "$p99") ${non200:-0}"
}
ms() { # wrk prints 812.00us / 1.20ms / 1.01s
  awk -v v="$1" 'BEGIN { n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n; else if (v ~ /s$/) n*=1000; printf "%.3f", n }'
}
rss() { awk '/VmRSS/ {print $2}' "/proc/$PROXY_PID/status"; }

# Warm both (JIT, connection pools), then measure.
run "http://127.0.0.1:$SIM_PORT" 16 5 >/dev/null
run "http://127.0.0.1:$PROXY_PORT" 16 5 >/dev/null

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(date -u '+%Y-%m-%d %H:%M UTC'); ${STEP}s per step; upstream latency ${LATENCY} ms"
printf "%-5s %12s %12s %10s %10s %10s %10s %12s %12s %8s\n" conc direct_rps proxy_rps ratio d_p50 p_p50 added_p50 d_p99/p_p99 added_p99 non200
for c in 1 16 64; do
  read -r drps dp50 dp99 dn <<<"$(run "http://127.0.0.1:$SIM_PORT" "$c" "$STEP")"
  read -r prps pp50 pp99 pn <<<"$(run "http://127.0.0.1:$PROXY_PORT" "$c" "$STEP")"
  awk -v c="$c" -v drps="$drps" -v prps="$prps" -v dp50="$dp50" -v pp50="$pp50" -v dp99="$dp99" -v pp99="$pp99" -v n="$((dn + pn))" \
    'BEGIN { printf "%-5s %12.0f %12.0f %9.1f%% %10.3f %10.3f %10.3f %5.2f/%-6.2f %12.3f %8d\n", c, drps, prps, 100*prps/drps, dp50, pp50, pp50-dp50, dp99, pp99, pp99-dp99, n }'
done

before=$(rss)
echo "proxy RSS after warm-up and the steps above: $((before / 1024)) MiB; now sending $SOAK more requests at concurrency 64..."
start=$(date +%s)
sent=0
while [ "$sent" -lt "$SOAK" ]; do
  read -r prps _ _ pn <<<"$(run "http://127.0.0.1:$PROXY_PORT" 64 30)"
  sent=$(awk -v s="$sent" -v r="$prps" 'BEGIN { printf "%d", s + r*30 }')
  echo "  ~$sent requests, $((($(rss)) / 1024)) MiB RSS, ${pn} non-200 in the last 30 s"
done
after=$(rss)
awk -v b="$before" -v a="$after" -v s="$sent" -v t="$(( $(date +%s) - start ))" \
  'BEGIN { printf "proxy RSS: %.0f MiB before, %.0f MiB after ~%d requests in %d s: growth %.1f%%\n", b/1024, a/1024, s, t, 100*(a-b)/b }'
