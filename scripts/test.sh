#!/usr/bin/env bash
# The whole suite against the real RabbitMQ and PostgreSQL on this machine. Every run uses
# throw-away databases (tctest_<run>_<service>) and a vhost per test; both are removed after.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONWARNINGS=ignore
.venv/bin/ruff check tradecert operations services gateway tests benchmarks
# `make test` runs everything; `scripts/test.sh tests/unit -x` runs a part.
paths=(tests --ignore=tests/browser); for arg in "$@"; do [[ $arg == tests* ]] && paths=(); done
rabbit=(
  --amqp-uri "${TRADECERT_TEST_AMQP_URI:-pyamqp://guest:guest@127.0.0.1:5672/}"
  --rabbit-api-uri "${TRADECERT_TEST_RABBIT_API_URI:-http://guest:guest@127.0.0.1:15672}"
  -p no:cacheprovider
  -p no:locust  # locust's pytest plugin (`make load` only) has no business in the suite
)
if [ ${#paths[@]} -eq 0 ] && [[ " $* " == *" tests/browser"* ]]; then
  exec .venv/bin/pytest --suppress-nameko-eventlet-notification "${rabbit[@]}" "$@"
fi
if [ ${#paths[@]} -eq 0 ]; then
  exec .venv/bin/nameko test "${rabbit[@]}" "$@"
fi
# The whole suite: the browser tests (Playwright cannot run under eventlet's monkey patching:
# plain pytest) run beside the rest, in a process of their own, against one shared `tradecert
# run`; the rest is split into TRADECERT_TEST_SHARDS groups of files of about equal time
# (scripts/shards.py, from tests/durations.json), each its own `nameko test` with its own
# databases, vhosts and ports: two by default, one per core (docs/DECISIONS.md, "the suite's
# time"). Their output follows, one after the other.
shards=${TRADECERT_TEST_SHARDS:-2}
logs=()
pids=()
log=$(mktemp); logs+=("$log")
.venv/bin/pytest tests/browser --suppress-nameko-eventlet-notification "${rabbit[@]}" "$@" \
  >"$log" 2>&1 &
pids+=($!)
names=("browser tests (tests/browser)")
for shard in $(seq 1 "$shards"); do
  if [ "$shards" -eq 1 ]; then
    files=("${paths[@]}")  # one process: pytest's own order, as before the split
  else
    mapfile -t files < <(.venv/bin/python scripts/shards.py "$shards" "$shard" "${paths[@]}")
  fi
  log=$(mktemp); logs+=("$log")
  .venv/bin/nameko test "${files[@]}" "${rabbit[@]}" "$@" >"$log" 2>&1 &
  pids+=($!)
  names+=("nameko test, group $shard of $shards (${files[*]})")
done
status=0
for i in "${!pids[@]}"; do
  part=0
  wait "${pids[$i]}" || part=$?
  echo "--- ${names[$i]}: exit $part ---"
  cat "${logs[$i]}"
  rm -f "${logs[$i]}"
  [ "$part" -eq 0 ] || status=1
done
exit "$status"
