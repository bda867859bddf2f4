#!/usr/bin/env bash
# `npm run bench -- overhead-wrk` (or `bash bench/overhead-wrk.sh` after `npm run build`): the wrk reverse-proxy
# harness with Token Ninja as its extra target, measured in the same run as direct calls to the harness's mock
# and its bare undici pass-through. BENCH_HARNESS names the harness's run.sh (kept outside this repository).
# Defaults give a short run; override any of the harness's knobs (ONLY_TARGETS ROUNDS DURATION WARMUP MODES
# CONNS AUTOCANNON ...). Token Ninja runs with the memory store, a pool too large to throttle and log level warn.
set -euo pipefail
: "${BENCH_HARNESS:?set BENCH_HARNESS to the path of the wrk harness run.sh}"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export ONLY_TARGETS=${ONLY_TARGETS:-"direct bare-node"} ROUNDS=${ROUNDS:-1} DURATION=${DURATION:-5} WARMUP=${WARMUP:-2}
export AUTOCANNON=${AUTOCANNON:-0}
export EXTRA_NAME=token-ninja EXTRA_PORT=${TN_PORT:-9105}
# Single-quoted $MOCK_URL: the harness sets it and expands the command itself.
export EXTRA_CMD="TOKEN_NINJA_PORT=$EXTRA_PORT TOKEN_NINJA_ADMIN_PORT=$((EXTRA_PORT + 1)) "'TOKEN_NINJA_OPENAI_URL=$MOCK_URL'" \
TOKEN_NINJA_STORE=memory TOKEN_NINJA_TOKENS_PER_MINUTE=1000000000000 TOKEN_NINJA_LOG_LEVEL=warn node $ROOT/dist/cli/main.js"
exec bash "$BENCH_HARNESS"
