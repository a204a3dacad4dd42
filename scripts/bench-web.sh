#!/usr/bin/env bash
# Web benchmark (BENCHMARKS.md, "Web"): wrk on loopback against `netstack serve` on the
# generated 20k-doc KB and against nginx serving the same rendered page as a static file.
#
#   scripts/bench-web.sh [KB_DIR] [SECONDS]
#
# Needs `wrk` and `nginx` (Debian: apt-get install -y wrk nginx-light). Everything runs on
# 127.0.0.1 and stops by itself; servers started here are stopped by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

KB=${1:-/tmp/kb20k}
SECS=${2:-10}
CONNS=64
THREADS=2
NS_PORT=18200
NGINX_PORT=18090
WORK=$(mktemp -d /tmp/bench-web.XXXXXX)
chmod 755 "$WORK" # nginx workers run as nobody
NS_PID=""
NGINX_PID=""
CHURN_PID=""

cleanup() {
    [ -n "$CHURN_PID" ] && kill "$CHURN_PID" 2>/dev/null || true
    [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
    [ -n "$NS_PID" ] && kill $(pgrep -P "$NS_PID") "$NS_PID" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 2; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx missing: apt-get install -y nginx-light" >&2; exit 2; }

cargo build --release -q -p docengine --examples
cargo build --release -q
if [ ! -f "$KB/netstack.toml" ]; then
    ./target/release/examples/gen_kb --patterns 10000 --sites 100 --docs-per-site 100 "$KB" >/dev/null
fi

# netstack, logging one line per request (as deployed) to a file; /usr/bin/time reports the
# peak RSS when it stops.
/usr/bin/time -f "netstack peak RSS: %M KB" -o "$WORK/rss.txt" \
    ./target/release/netstack --kb "$KB" serve --addr "127.0.0.1:$NS_PORT" \
    >"$WORK/serve.out" 2>"$WORK/serve.log" &
NS_PID=$!
for _ in $(seq 1 600); do
    grep -q "^netstack serve:" "$WORK/serve.out" 2>/dev/null && break
    sleep 0.1
done
grep -q "^netstack serve:" "$WORK/serve.out" || { echo "netstack did not start" >&2; cat "$WORK/serve.log" >&2; exit 1; }

# The search index is built (first start) or synced in the background: wait for it, so it
# does not compete with the measurements.
SEARCH=000
for _ in $(seq 1 6000); do
    SEARCH=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NS_PORT/api/search?q=backup")
    [ "$SEARCH" = 503 ] || break
    sleep 0.1
done

# The first pattern of ops/backup: its page, rendered once, is what nginx serves.
PATTERN=$(ls "$KB/netstack/docs/ops/backup" | grep -- '-pattern\.md$' | sort | awk 'NR==1')
PAGE="/docs/ops/backup/${PATTERN%.md}/"
mkdir -p "$WORK/www$PAGE" "$WORK/logs"
curl -fsS "http://127.0.0.1:$NS_PORT$PAGE" -o "$WORK/www${PAGE}index.html"
BYTES=$(stat -c %s "$WORK/www${PAGE}index.html")

cat >"$WORK/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
    access_log $WORK/logs/access.log;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    default_type text/html;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $WORK/www;
        index index.html;
    }
}
EOF
"$NGINX" -c "$WORK/nginx.conf" -e "$WORK/logs/error.log" &
NGINX_PID=$!
sleep 0.5
curl -fsS -o /dev/null "http://127.0.0.1:$NGINX_PORT$PAGE"

run() { # name url [extra wrk args]
    local name=$1 url=$2
    shift 2
    local out
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency "$@" "$url")
    local rps p99 bad
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    bad=$(awk '/Non-2xx/ {print $5}' <<<"$out")
    printf "%-28s %12s req/s   p99 %8s   non-2xx %s\n" "$name" "$rps" "$p99" "${bad:-0}"
    echo "$rps" >>"$WORK/$name.rps"
}

echo "KB: $KB ($(find "$KB" -name '*.md' | wc -l) markdown files); page $PAGE ($BYTES bytes)"
echo "wrk -t$THREADS -c$CONNS -d${SECS}s --latency; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
wrk -t1 -c8 -d2s "http://127.0.0.1:$NGINX_PORT$PAGE" >/dev/null
wrk -t1 -c8 -d2s "http://127.0.0.1:$NS_PORT$PAGE" >/dev/null
for round in 1 2 3; do
    run nginx-static "http://127.0.0.1:$NGINX_PORT$PAGE"
    run netstack-pattern "http://127.0.0.1:$NS_PORT$PAGE"
done
if [ "$SEARCH" = 200 ]; then
    cat >"$WORK/search.lua" <<'EOF'
local queries = {"backup", "restic retention", "vlan segmentation", "certificate renewal",
                 "dns", "monitoring alert", "wireguard", "zfs snapshot", "ssh key rotation",
                 "firewall baseline"}
local i = 0
request = function()
  i = i + 1
  local q = queries[(i % #queries) + 1]
  return wrk.format("GET", "/api/search?q=" .. q:gsub(" ", "+"))
end
EOF
    # The same with a distinct URL per request: every request runs the search (no cache).
    sed -e 's|q:gsub(" ", "+"))|q:gsub(" ", "+") .. "\&r=" .. i)|' "$WORK/search.lua" >"$WORK/search-uncached.lua"
    for round in 1 2 3; do
        run netstack-api-search "http://127.0.0.1:$NS_PORT/" -s "$WORK/search.lua"
        run netstack-api-search-nocache "http://127.0.0.1:$NS_PORT/" -s "$WORK/search-uncached.lua"
    done
fi

median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
NG=$(median "$WORK/nginx-static.rps")
NS=$(median "$WORK/netstack-pattern.rps")
awk -v a="$NS" -v b="$NG" 'BEGIN {printf "median: netstack %.0f req/s, nginx %.0f req/s, ratio netstack/nginx %.2f\n", a, b, a / b}'

# Under change: edit the benchmarked pattern and a site doc every 0.5 s while wrk runs.
(
    f1="$KB/netstack/docs/ops/backup/$PATTERN"
    f2=$(find "$KB/site-001/docs" -name '*.md' | sort | awk 'NR==1')
    cp "$f1" "$WORK/pattern.bak"
    cp "$f2" "$WORK/site.bak"
    n=0
    while [ $n -lt $((SECS * 2)) ]; do
        n=$((n + 1))
        printf '\nedit %d\n' "$n" >>"$f1"
        printf '\nedit %d\n' "$n" >>"$f2"
        sleep 0.5
    done
    cp "$WORK/pattern.bak" "$f1"
    cp "$WORK/site.bak" "$f2"
) &
CHURN_PID=$!
LOG_BEFORE=$(wc -l <"$WORK/serve.log")
run netstack-under-change "http://127.0.0.1:$NS_PORT$PAGE"
wait "$CHURN_PID" || true
CHURN_PID=""
echo "reloads during the run: $(tail -n +"$((LOG_BEFORE + 1))" "$WORK/serve.log" | grep -c ' reloaded' || true)"
echo "5xx in the request log during the run: $(tail -n +"$((LOG_BEFORE + 1))" "$WORK/serve.log" | grep -cE 'status=5[0-9][0-9]' || true)"
# Before the runs, /api/search answers 503 ("still being built") while the index is built.
echo "5xx in the whole request log: $(grep -cE 'status=5[0-9][0-9]' "$WORK/serve.log" || true) ($(grep -cE 'status=503 .*path=/api/search' "$WORK/serve.log" || true) of them 503 from /api/search while the search index was being built)"

# SIGTERM to netstack itself (the child of /usr/bin/time): a clean shutdown.
kill $(pgrep -P "$NS_PID")
wait "$NS_PID" 2>/dev/null || true
NS_PID=""
cat "$WORK/rss.txt"
rm -rf "$WORK"
