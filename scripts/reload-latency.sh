#!/usr/bin/env bash
# Live-reload latency (BENCHMARKS.md, "Web"): time from writing a doc to the `reload` event
# reaching a connected browser (SSE) and to the new page being served.
#
#   scripts/reload-latency.sh [KB_DIR] [ROUNDS]
#
# Works on a copy of the KB (the bundled content/ by default); loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=${1:-content}
ROUNDS=${2:-10}
PORT=18300
WORK=$(mktemp -d /tmp/reload-latency.XXXXXX)
NS_PID=""
SSE_PID=""
cleanup() {
    [ -n "$SSE_PID" ] && kill "$SSE_PID" 2>/dev/null || true
    [ -n "$NS_PID" ] && kill "$NS_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

cargo build --release -q
cp -r "$SRC" "$WORK/kb"
rm -rf "$WORK/kb/.netstack"
./target/release/netstack --kb "$WORK/kb" -q serve --addr "127.0.0.1:$PORT" >"$WORK/serve.out" 2>&1 &
NS_PID=$!
for _ in $(seq 1 600); do
    grep -q "^netstack serve:" "$WORK/serve.out" 2>/dev/null && break
    sleep 0.1
done
# The pattern page to edit: the first one under docs/ops/backup.
FILE=$(find "$WORK/kb/netstack/docs/ops/backup" -name '*-pattern.md' | sort | awk 'NR==1')
PAGE="/docs/ops/backup/$(basename "${FILE%.md}")/"
curl -fsS -o /dev/null "http://127.0.0.1:$PORT$PAGE"

# Timestamp every SSE line.
curl -sN "http://127.0.0.1:$PORT/events" | while IFS= read -r line; do
    printf '%s %s\n' "$(date +%s.%N)" "$line"
done >"$WORK/events.log" &
SSE_PID=$!
sleep 1

for i in $(seq 1 "$ROUNDS"); do
    before=$(grep -c 'event: reload' "$WORK/events.log" || true)
    t0=$(date +%s.%N)
    printf '\nLatency marker %s\n' "$i" >>"$FILE"
    # Wait for the event, then for the page that shows the marker.
    while [ "$(grep -c 'event: reload' "$WORK/events.log" || true)" -le "$before" ]; do sleep 0.005; done
    t1=$(grep 'event: reload' "$WORK/events.log" | tail -1 | cut -d' ' -f1)
    until curl -fsS -o "$WORK/page.html" "http://127.0.0.1:$PORT$PAGE" && grep -q "Latency marker $i" "$WORK/page.html"; do sleep 0.005; done
    t2=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {printf "write → reload event %4.0f ms   write → new page served %4.0f ms\n", (b-a)*1000, (c-a)*1000}'
    sleep 0.5
done
