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
# plain pytest) run beside the rest, in a process of their own. Both mostly wait on the
# brokers, the services and the browser, and each has its own databases, vhosts and ports,
# so together they take little longer than the longer of the two. Their output follows.
browser_log=$(mktemp)
.venv/bin/pytest tests/browser --suppress-nameko-eventlet-notification "${rabbit[@]}" "$@" \
  >"$browser_log" 2>&1 &
browser=$!
status=0
.venv/bin/nameko test "${paths[@]}" "${rabbit[@]}" "$@" || status=$?
browser_status=0
wait "$browser" || browser_status=$?
echo "--- browser tests (tests/browser) ---"
cat "$browser_log"
rm -f "$browser_log"
[ "$status" -eq 0 ] && [ "$browser_status" -eq 0 ]
