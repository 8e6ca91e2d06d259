#!/usr/bin/env bash
# Make this machine able to run the whole test suite (`make test` runs this first, so CI does too).
#  - Installs the missing system packages when root with apt-get (one `apt-get update`, only when
#    something is missing); otherwise prints the one command that would, and why.
#  - Starts the local PostgreSQL and RabbitMQ when their ports are closed, unless TEST_POSTGRES_URL /
#    TEST_AMQP_URL point the tests elsewhere, and makes PostgreSQL's role `root` (the tests' user).
# Idempotent and silent when everything is there. With CI=true, what it cannot fix is an error.
set -euo pipefail
PATH="$PATH:/usr/sbin:/sbin"  # rabbitmq-server lives in sbin, absent from a user's PATH

say() { echo "[ensure_system] $*"; }
in_ci() { case "${CI:-}" in 1 | true | TRUE | True | yes) return 0 ;; esac; return 1; }
have() { command -v "$1" >/dev/null 2>&1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
give_up() { if in_ci; then exit 1; fi; }  # locally the tests that need it skip, and say so

# The packages to install: names in `packages`, "name (what needs it)" in `reasons`.
need() { packages+=("$1"); reasons+=("$1 ($2)"); }
listed() { local all; printf -v all '%s; ' "${reasons[@]}"; echo "${all%; }"; }
find_missing() {
  packages=()
  reasons=()
  have make || need make "runs the suite"
  have "${CHROMIUM_PATH:-/usr/bin/chromium}" || need chromium "browser tests"
  have pdftotext || need poppler-utils "talon PDF text checks"
  have npm || need npm "installs axe-core for the accessibility checks"
  have docker-compose || { have docker && docker compose version >/dev/null 2>&1; } \
    || need docker-compose "deployment checks"
  if [ -z "${TEST_POSTGRES_URL:-}" ]; then
    { have pg_ctlcluster && have psql; } || need postgresql "integration tests, no TEST_POSTGRES_URL"
  fi
  if [ -z "${TEST_AMQP_URL:-}" ]; then
    have rabbitmq-server || need rabbitmq-server "integration tests, no TEST_AMQP_URL"
  fi
}

install_missing() {
  find_missing
  [ ${#packages[@]} -eq 0 ] && return 0
  if [ "$EUID" -ne 0 ] || ! have apt-get; then
    local how="As root run: apt-get update && apt-get install -y ${packages[*]}"
    have apt-get || how="Install them with this system's package manager"
    say "missing $(listed). $how"
    give_up
    return 0
  fi
  say "installing $(listed)"
  # apt's chatter is shown only when it fails; needrestart must not restart servers in use.
  local out
  if ! out=$({ apt-get update -qq && DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 \
    apt-get install -y -qq "${packages[@]}"; } 2>&1); then
    echo "$out"
    say "apt-get failed"
    exit 1
  fi
  find_missing
  if [ ${#packages[@]} -gt 0 ]; then
    say "still missing after apt-get install: $(listed)"
    exit 1
  fi
}

# The deployment checks also need kubectl or kustomize, which Debian's archive does not carry.
check_kustomize() {
  if have kubectl || have kustomize; then return 0; fi
  say "missing kubectl or kustomize (deployment checks), not in Debian's archive:" \
    "install kubectl from the Kubernetes apt repository or a kustomize release"
  give_up
}

# start_server NAME PORT COMMAND...: run COMMAND when nothing listens on PORT, then wait for it.
start_server() {
  local name=$1 port=$2
  shift 2
  port_open "$port" && return 0
  have "$1" || return 0  # not installed: install_missing has said so
  if [ "$EUID" -ne 0 ]; then
    say "$name is not running on 127.0.0.1:$port; as root run: $*"
    give_up
    return 0
  fi
  say "starting $name"
  "$@" >/dev/null
  for _ in $(seq 1 60); do
    port_open "$port" && return 0
    sleep 1
  done
  say "$name did not open 127.0.0.1:$port within 60 s"
  exit 1
}

postgres_cluster_version() {
  local clusters=(/etc/postgresql/*/main)
  local first=${clusters[0]%/main}
  echo "${first##*/}"
}

# The tests connect as root over TCP without a password (trust, as on this project's machines).
ensure_postgres_role() {
  local probe=(psql -h 127.0.0.1 -U root -d postgres -Atqc 'select 1')
  "${probe[@]}" >/dev/null 2>&1 && return 0
  if [ "$EUID" -eq 0 ]; then
    su postgres -c "psql -qc 'CREATE ROLE root SUPERUSER LOGIN'" >/dev/null 2>&1 || true
    "${probe[@]}" >/dev/null 2>&1 && return 0
  fi
  say "PostgreSQL on 127.0.0.1:5432 refuses role root without a password: create it" \
    "(CREATE ROLE root SUPERUSER LOGIN), allow it in pg_hba.conf (trust), or set TEST_POSTGRES_URL"
  give_up
}

install_missing
check_kustomize
if [ -z "${TEST_POSTGRES_URL:-}" ]; then
  start_server PostgreSQL 5432 pg_ctlcluster --skip-systemctl-redirect "$(postgres_cluster_version)" main start
  if port_open 5432 && have psql; then ensure_postgres_role; fi
fi
if [ -z "${TEST_AMQP_URL:-}" ]; then
  start_server RabbitMQ 5672 rabbitmq-server -detached
fi
