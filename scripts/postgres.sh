#!/usr/bin/env bash
# Sourced by scripts/test: makes a PostgreSQL server available to the tests and exports its URL
# as ENDURE_TEST_POSTGRES, and a command that restarts it as ENDURE_TEST_POSTGRES_RESTART (the
# test of a server restarted under load runs it). An URL already set is used as it is (then set
# the restart command too). Otherwise, as root: Debian's
# `postgresql` package is installed if missing, its cluster started, and a role and database
# `endure` created; as another user: a private server is started under target/endure-pg with the
# installed binaries.
set -euo pipefail

if [ -n "${ENDURE_TEST_POSTGRES:-}" ]; then
  return 0 2>/dev/null || exit 0
fi

pg_bin_dir() {
  local v
  v=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
  [ -n "$v" ] && echo "/usr/lib/postgresql/$v/bin"
}

if [ "$(id -u)" = "0" ]; then
  if [ -z "$(pg_bin_dir)" ] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "== installing PostgreSQL (Debian's postgresql package)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  version=$(basename "$(dirname "$(pg_bin_dir)")")
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | grep -q "^$version main$"; then
    pg_createcluster "$version" main >/dev/null
  fi
  if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
    pg_ctlcluster "$version" main start
  fi
  port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
  runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 -c \
    "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'endure') THEN
       CREATE ROLE endure LOGIN PASSWORD 'endure' CREATEDB; END IF; END \$\$;" >/dev/null
  # A fresh database each run: the tests' schemas from earlier runs go with the old one.
  runuser -u postgres -- dropdb -p "$port" --if-exists --force endure
  runuser -u postgres -- createdb -p "$port" -O endure endure
  export ENDURE_TEST_POSTGRES="postgres://endure:endure@127.0.0.1:$port/endure"
  export ENDURE_TEST_POSTGRES_RESTART="pg_ctlcluster $version main restart -m fast"
else
  bin=$(pg_bin_dir)
  if [ -z "$bin" ]; then
    echo "error: PostgreSQL is not installed; install Debian's postgresql package, or set" >&2
    echo "       ENDURE_TEST_POSTGRES=postgres://user:password@host:port/database" >&2
    exit 1
  fi
  dir="$(pwd)/target/endure-pg"
  port=55432
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"
    "$bin/initdb" -D "$dir" -U endure --auth=trust >/dev/null
  fi
  if ! "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -w start >/dev/null
  fi
  "$bin/dropdb" -h 127.0.0.1 -p "$port" -U endure --if-exists --force endure
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U endure endure
  export ENDURE_TEST_POSTGRES="postgres://endure@127.0.0.1:$port/endure"
  export ENDURE_TEST_POSTGRES_RESTART="$bin/pg_ctl -D $dir -l $dir/server.log -m fast -w restart"
fi
echo "== PostgreSQL for the tests: ${ENDURE_TEST_POSTGRES/:endure@/:***@}"
