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
)
if [ ${#paths[@]} -eq 0 ] && [[ " $* " == *" tests/browser"* ]]; then
  exec .venv/bin/pytest --suppress-nameko-eventlet-notification "${rabbit[@]}" "$@"
fi
.venv/bin/nameko test "${paths[@]}" "${rabbit[@]}" "$@"
if [ ${#paths[@]} -gt 0 ]; then
  # Browser tests (Playwright) cannot run under eventlet's monkey patching: plain pytest.
  .venv/bin/pytest tests/browser --suppress-nameko-eventlet-notification "${rabbit[@]}" "$@"
fi
