#!/usr/bin/env bash
# Starts throwaway PostgreSQL and Redis servers on loopback for the store
# and rate-limiter tests, installing the Debian packages when missing.
# Data lives in a temporary directory; the servers listen on their own
# ports, never the system defaults, so a developer's servers are left alone.
#
# Prints two lines to source:
#   export CRMGEN_TEST_DATABASE_URL=postgres://crmgen@127.0.0.1:PORT/crmgen
#   export CRMGEN_TEST_REDIS_URL=redis://127.0.0.1:PORT/
# Usage: eval "$(bash .ci/services.sh)"
# Stop them with: bash .ci/services.sh stop
set -euo pipefail

PG_PORT="${CRMGEN_PG_PORT:-55432}"
REDIS_PORT="${CRMGEN_REDIS_PORT:-56379}"
state="${CRMGEN_SERVICES_DIR:-${TMPDIR:-/tmp}/crmgen-services}"

log() { echo "services: $*" >&2; }

pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [[ -n "$dir" ]] && echo "$dir"
}

# Runs a command as the unprivileged user Postgres insists on when we are root.
as_pg() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [[ "${1:-}" == "stop" ]]; then
  if [[ -d "$state/pg" ]] && [[ -n "$(pg_bin)" ]]; then
    as_pg "$(pg_bin)/pg_ctl" -D "$state/pg" -m fast stop >&2 || true
  fi
  redis-cli -p "$REDIS_PORT" shutdown nosave >&2 2>/dev/null || true
  exit 0
fi

if [[ -z "$(pg_bin)" ]] || ! command -v redis-server >/dev/null; then
  log "installing postgresql and redis-server (Debian packages)"
  if [[ "$(id -u)" == 0 ]]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends postgresql redis-server >&2
fi

mkdir -p "$state"
chmod 0777 "$state"

# PostgreSQL: a fresh cluster unless one of ours is already up.
if ! "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
  rm -rf "$state/pg"
  mkdir -p "$state/pg" "$state/pg-sock"
  [[ "$(id -u)" == 0 ]] && chown postgres "$state/pg" "$state/pg-sock"
  as_pg "$(pg_bin)/initdb" -D "$state/pg" -U crmgen --auth=trust -E UTF8 >/dev/null
  as_pg "$(pg_bin)/pg_ctl" -D "$state/pg" -l "$state/pg.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $state/pg-sock -c max_connections=200 -c fsync=off" start >&2
  as_pg "$(pg_bin)/createdb" -h 127.0.0.1 -p "$PG_PORT" -U crmgen crmgen
  log "postgres on 127.0.0.1:$PG_PORT (data in $state/pg)"
fi

# Redis: no persistence, loopback only.
if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$state" --daemonize yes --logfile "$state/redis.log" >&2
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  log "redis on 127.0.0.1:$REDIS_PORT"
fi

echo "export CRMGEN_TEST_DATABASE_URL=postgres://crmgen@127.0.0.1:$PG_PORT/crmgen"
echo "export CRMGEN_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/"
