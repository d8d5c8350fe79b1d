#!/usr/bin/env bash
# Makes a PostgreSQL server available on 127.0.0.1:5432 with the role and database the store
# suites use (postgres://ccx:ccx@127.0.0.1:5432/ccx_test). Installs Debian's postgresql package
# when no server is installed, starts the cluster when it is down, and is safe to run again.
set -euo pipefail

log() { printf 'postgres: %s\n' "$*" >&2; }

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing PostgreSQL from Debian packages"
  bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" postgresql
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
  pg_createcluster "$version" main >/dev/null
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
  log "starting cluster $version/main"
  pg_ctlcluster "$version" main start
fi

as_postgres() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA "$@"; }
for _ in $(seq 1 30); do as_postgres -c "select 1" >/dev/null 2>&1 && break; sleep 1; done
if [ "$(as_postgres -c "select 1 from pg_roles where rolname = 'ccx'")" != "1" ]; then
  as_postgres -c "create role ccx login password 'ccx' createdb"
fi
if [ "$(as_postgres -c "select 1 from pg_database where datname = 'ccx_test'")" != "1" ]; then
  as_postgres -c "create database ccx_test owner ccx"
fi
log "ready: postgres://ccx:***@127.0.0.1:5432/ccx_test (PostgreSQL $version)"
