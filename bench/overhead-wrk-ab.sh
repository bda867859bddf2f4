#!/usr/bin/env bash
# Interleaved A/B under wrk: the harness's mock and bare undici pass-through plus two Token Ninja builds
# (BEFORE_DIST, AFTER_DIST: folders holding cli/main.js), measured bare, before, after in turn each round so
# drifting background load hits all three alike. One line per cell: round mode conns target RESULT-fields.
#   BENCH_HARNESS_DIR=<harness folder> BENCH_DEPS=<its npm deps> BEFORE_DIST=<old dist> AFTER_DIST=dist \
#     ROUNDS=5 DUR=4 MODES="json sse" CONNS=64 bash bench/overhead-wrk-ab.sh
# AFTER_ENV adds variables to the after build's command only: one build with and without OpenTelemetry is
#   BEFORE_DIST=dist AFTER_DIST=dist AFTER_ENV="OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318" (with
#   `node bench/otlp-sink.mjs` running as the collector).
set -u
H=${BENCH_HARNESS_DIR:?folder of the wrk harness (run.sh, mock-upstream.mjs, load/chat.lua)}
: "${BEFORE_DIST:?} ${AFTER_DIST:?}"
R=${ROUNDS:-3} D=${DUR:-4}
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done' EXIT
start() { # name port command
  setsid bash -c "$3" >/dev/null 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && return 0; sleep 0.1; done
  echo "!! $1 did not open port $2" >&2
  exit 1
}
TN="TOKEN_NINJA_OPENAI_URL=http://127.0.0.1:9400 TOKEN_NINJA_STORE=memory TOKEN_NINJA_TOKENS_PER_MINUTE=1000000000000 TOKEN_NINJA_LOG_LEVEL=warn"
start mock 9400 "PORT=9400 CHUNKS=${CHUNKS:-20} node $H/mock-upstream.mjs"
start bare 9401 "PORT=9401 UPSTREAM=http://127.0.0.1:9400 BENCH_DEPS=${BENCH_DEPS:-/tmp/bench-deps} node $H/bare-undici-proxy.mjs"
start before 9402 "TOKEN_NINJA_PORT=9402 TOKEN_NINJA_ADMIN_PORT=9412 $TN node $BEFORE_DIST/cli/main.js"
start after 9403 "TOKEN_NINJA_PORT=9403 TOKEN_NINJA_ADMIN_PORT=9413 $TN ${AFTER_ENV:-} node $AFTER_DIST/cli/main.js"
for r in $(seq "$R"); do for m in ${MODES:-json sse}; do for c in ${CONNS:-64}; do for t in bare:9401 before:9402 after:9403; do
  url=http://127.0.0.1:${t#*:}/v1/chat/completions
  MODE=$m MOCK_PORT=9400 wrk -t2 -c"$c" -d2s -s "$H/load/chat.lua" "$url" >/dev/null
  line=$(MODE=$m MOCK_PORT=9400 wrk -t2 -c"$c" -d"${D}s" --latency -s "$H/load/chat.lua" "$url" | grep '^RESULT')
  echo "$r $m $c ${t%:*} ${line#RESULT }"
done; done; done; done
