#!/usr/bin/env bash
# npm run demo: a real backup of a throwaway local Supabase-shaped database, with the example
# backups.config.yaml, then verify and restore it into a second throwaway database.
# Needs PostgreSQL server binaries (Debian/Ubuntu: apt-get install postgresql) and a built dist/.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$bin" ] && [ -x "$bin/initdb" ] || missing+=(postgresql)
command -v psql >/dev/null || missing+=(postgresql-client)
command -v zstd >/dev/null || missing+=(zstd)
if [ ${#missing[@]} -gt 0 ]; then
  echo "demo: missing ${missing[*]}; install with: sudo apt-get install ${missing[*]}" >&2
  echo "      (macOS: brew install postgresql@15 zstd, and put its bin/ first on PATH)" >&2
  exit 1
fi
[ -d node_modules ] || { echo "demo: run npm ci first" >&2; exit 1; }
[ -f dist/cli.js ] || npm run build

work=$(mktemp -d)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$work"
password="demo-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$password" >"$work/pw"
[ "$(id -u)" = 0 ] && chown postgres "$work/pw"
stop() {
  for d in "$work"/*/; do as_pg "$bin/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap stop EXIT

# start_cluster NAME: a throwaway cluster in $work/NAME; prints its port.
start_cluster() {
  local port
  port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  as_pg "$bin/initdb" -D "$work/$1" -U postgres --pwfile="$work/pw" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null
  as_pg "$bin/pg_ctl" -D "$work/$1" -w -l "$work/$1.log" -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c wal_level=logical" start >/dev/null
  echo "$port"
}
psql_() { PGPASSWORD="$password" psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres "$@"; }

echo "== starting two throwaway PostgreSQL clusters: the source, and a new project to restore into"
src=$(start_cluster source)
dst=$(start_cluster target)
echo "== loading a Supabase-shaped database (platform base + user content) on port $src"
# The same base the drill loads (node dist/cli.js base-sql prints it).
node dist/cli.js base-sql >"$work/base.sql"
psql_ -p "$src" -d postgres -f "$work/base.sql" -f __tests__/fixtures/user-content.sql >/dev/null
psql_ -p "$dst" -d postgres -f "$work/base.sql" >/dev/null

export DEMO_DB_URL="postgresql://postgres:$password@127.0.0.1:$src/postgres"
export SUPABASE_CLI_PATH="${SUPABASE_CLI_PATH:-$PWD/node_modules/.bin/supabase}"
rm -rf .demo && mkdir -p .demo
echo "== node dist/cli.js backup --config backups.config.yaml --out .demo/backups"
node dist/cli.js backup --config backups.config.yaml --out .demo/backups
set_dir=$(ls -d .demo/backups/demo/*/ | tail -n 1)
echo "== sha256sum -c SHA256SUMS and zstd -t in $set_dir: standard tools read the set"
(cd "$set_dir" && sha256sum -c SHA256SUMS && zstd -q -t ./*.zst)
echo "== node dist/cli.js verify --from .demo/backups"
node dist/cli.js verify --from .demo/backups
echo "== node dist/cli.js restore --from $set_dir --target-url-env RESTORE_URL --yes"
export RESTORE_URL="postgresql://postgres:$password@127.0.0.1:$dst/postgres"
node dist/cli.js restore --from "$set_dir" --target-url-env RESTORE_URL --yes
echo "== done: the set is in $set_dir (the clusters are removed on exit)"
