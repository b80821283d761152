#!/usr/bin/env bash
# Runs a command with OPENSLB_TEST_PG_URL pointing at a throwaway PostgreSQL cluster (over TCP;
# OPENSLB_TEST_PG_SOCKET_URL: the same over its Unix socket):
#   scripts/with-postgres.sh npm test
#   scripts/with-postgres.sh node --import tsx --test test/unit/postgres-store.test.ts
# If OPENSLB_TEST_PG_URL is already set, the command runs against that database unchanged.
# Otherwise: installs PostgreSQL when missing (apt-get, root only; Debian 12 gives 15), creates a
# cluster in a temp dir (trust auth, loopback only, fsync off), listening on a free 127.0.0.1 port
# and a socket in that dir, creates database openslb_test, runs the command, stops and removes the
# cluster whatever the command's outcome. The command's exit status is this script's.
set -euo pipefail

if [ -n "${OPENSLB_TEST_PG_URL:-}" ]; then exec "$@"; fi

pg_bin() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$d" ] && command -v initdb >/dev/null; then d="$(dirname "$(readlink -f "$(command -v initdb)")")"; fi
  echo "$d"
}
PGBIN="$(pg_bin)"
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "with-postgres: PostgreSQL is not installed and this is not root; install it (apt-get install postgresql) or set OPENSLB_TEST_PG_URL" >&2
    exit 1
  fi
  echo "== installing PostgreSQL (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  PGBIN="$(pg_bin)"
fi

# root cannot run a cluster: the cluster belongs to the postgres user (created by the package)
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

# as root the cluster runs as postgres, which must reach the dir: /tmp, whatever TMPDIR says
if [ "$(id -u)" = 0 ]; then base=/tmp; else base="${TMPDIR:-/tmp}"; fi
DIR="$(mktemp -d "$base/openslb-pg.XXXXXX")"
[ "$(id -u)" = 0 ] && chown postgres: "$DIR"
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_pg "$PGBIN/initdb" -D "$DIR/data" -A trust -U postgres -E UTF8 --no-locale --no-sync >"$DIR/initdb.log" 2>&1 || {
  cat "$DIR/initdb.log" >&2
  exit 1
}

started=
for _ in 1 2 3 4 5; do
  PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  if as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null; then
    started=1
    break
  fi
  as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true # the port was taken meanwhile: another
done
if [ -z "$started" ]; then
  cat "$DIR/postgres.log" >&2 || true
  exit 1
fi
as_pg "$PGBIN/createdb" -h "$DIR" -p "$PORT" -U postgres openslb_test
export OPENSLB_TEST_PG_URL="postgres://postgres@127.0.0.1:$PORT/openslb_test"
# the same database through the cluster's Unix socket (cheaper round trips: bench:scale uses it)
export OPENSLB_TEST_PG_SOCKET_URL="postgres://postgres@localhost:$PORT/openslb_test?host=$DIR"
echo "== PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') at $OPENSLB_TEST_PG_URL" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
