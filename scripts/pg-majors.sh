#!/usr/bin/env bash
# PostgreSQL majors for the test suite, beside the machine's own, without touching the system:
#   scripts/pg-majors.sh [--refresh] [MAJOR...]   (default: 17 18; prints "MAJOR BIN_DIR" lines)
# 17 comes from Debian 13 (trixie), 18 from Debian unstable (sid). apt downloads the server, the
# client and their libraries with a private sources list and state directory (nothing in
# /etc/apt or /var/lib/apt changes), `dpkg -x` unpacks them, and patchelf points every program
# at the unpacked loader and libraries (a newer glibc than the machine's). The result is cached
# per machine, keyed by the packages' versions; a cached major is used without any network
# (--refresh asks the mirror for newer packages). Needs a Debian machine with apt, dpkg-deb,
# patchelf (apt-get install patchelf) and flock. The mirror is the one in /etc/apt/sources.list*.
# Cache: $SUPABASE_BACKUP_PG_CACHE, else /var/cache/supabase-backup/pg as root (the `postgres`
# user runs the servers and must read it), else ${XDG_CACHE_HOME:-~/.cache}/supabase-backup/pg.
set -euo pipefail
refresh=0
[ "${1:-}" = --refresh ] && { refresh=1; shift; }
majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(17 18)

if [ -n "${SUPABASE_BACKUP_PG_CACHE:-}" ]; then cache=$SUPABASE_BACKUP_PG_CACHE
elif [ "$(id -u)" = 0 ]; then cache=/var/cache/supabase-backup/pg
else cache=${XDG_CACHE_HOME:-$HOME/.cache}/supabase-backup/pg; fi
mkdir -p "$cache"
[ "$(id -u)" = 0 ] && chmod a+rx "$cache" "$(dirname "$cache")"

die() { echo "pg-majors: $*" >&2; exit 1; }
suite_of() { case $1 in 17) echo trixie ;; 18) echo sid ;; *) return 1 ;; esac; }
tools=(initdb pg_ctl postgres pg_dump pg_dumpall psql)

# A cached install is usable when each tool runs and reports its major (as `postgres` when root).
verify() {
  local bin=$1 major=$2 t out
  for t in "${tools[@]}"; do
    if [ "$(id -u)" = 0 ]; then out=$(runuser -u postgres -- "$bin/$t" --version 2>&1) || return 1
    else out=$("$bin/$t" --version 2>&1) || return 1; fi
    [[ $out == *"(PostgreSQL) $major"* ]] || return 1
  done
}

# The Debian mirror of this machine's own sources (one-line or deb822 format).
mirror() {
  local url
  url=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -oE '(^deb(\s+\[[^]]*\])?\s+|^URIs:\s*)[a-z]+://[^ ]+/debian/?(\s|$)' |
    grep -oE '[a-z]+://[^ ]+' | head -n1) || true
  [ -n "$url" ] || die "no Debian mirror (a .../debian URL) in /etc/apt/sources.list*"
  echo "${url%/}"
}

fetch() {
  local major=$1 suite keyring key dir
  suite=$(suite_of "$major") || die "PostgreSQL $major: no Debian suite known (17: trixie, 18: sid)"
  command -v patchelf >/dev/null || die "patchelf is missing: apt-get install patchelf"
  work=$(mktemp -d)
  works+=("$work")
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/debs"
  : >"$work/status"
  echo "deb [signed-by=$keyring] $(mirror) $suite main" >"$work/sources.list"
  local apt=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State=$work" -o "Dir::State::Lists=$work/lists" -o "Dir::State::status=$work/status"
    -o "Dir::Cache=$work" -o "Dir::Cache::Archives=$work/archives" -o Debug::NoLocking=1
    -o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o APT::Sandbox::User=root)
  apt-get -qq "${apt[@]}" update
  # The server, the client and every library they need; not the maintainer scripts' tools
  # (perl, debconf), not LLVM (JIT only: its module is removed, so JIT is simply off).
  local pkgs
  pkgs=$(apt-cache "${apt[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "postgresql-$major" "postgresql-client-$major" |
    grep -v '^[ <]' | sort -u |
    grep -E "^(postgresql-(client-)?$major|lib.*)\$" | grep -vE '^(libllvm|libz3|libperl|libc-l10n|lib.*-perl$)')
  # Keyed by every package's version: a new upload gets a new directory.
  key=$(apt-cache "${apt[@]}" show --no-all-versions $pkgs | grep -E '^(Package|Version):' |
    paste - - | sort | sha256sum | cut -c1-16)
  local version
  version=$(apt-cache "${apt[@]}" show --no-all-versions "postgresql-$major" | sed -n 's/^Version: //p')
  dir="$cache/$major/${version//[^A-Za-z0-9.+~-]/_}-$key"
  if [ -f "$dir/ok" ] && verify "$dir/root/usr/lib/postgresql/$major/bin" "$major"; then
    ln -sfn "$dir" "$cache/$major/current"
    return
  fi
  (cd "$work/debs" && apt-get -qq "${apt[@]}" download $pkgs)
  rm -rf "$dir"
  mkdir -p "$dir/root"
  for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
  local root=$dir/root libdir=$dir/root/usr/lib/x86_64-linux-gnu
  local bin=$root/usr/lib/postgresql/$major/bin
  rm -f "$root/usr/lib/postgresql/$major/lib/llvmjit"*
  rm -rf "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale"
  # DT_RPATH (not RUNPATH): it also applies to the libraries the server loads later (plpgsql...).
  for f in "$bin"/*; do
    if [ "$(head -c4 "$f" | tr -d '\0')" = $'\x7fELF' ]; then
      patchelf --set-interpreter "$libdir/ld-linux-x86-64.so.2" --force-rpath \
        --set-rpath "$libdir:$root/usr/lib/postgresql/$major/lib" "$f"
    fi
  done
  [ "$(id -u)" = 0 ] && chmod -R a+rX "$cache/$major"
  verify "$bin" "$major" || die "PostgreSQL $major unpacked in $dir but its programs do not run"
  local missing
  missing=$("$libdir/ld-linux-x86-64.so.2" --list "$bin/postgres" 2>&1 | grep 'not found' || true)
  [ -z "$missing" ] || die "PostgreSQL $major: libraries not found: $missing"
  printf '%s\n' $pkgs >"$dir/packages"
  touch "$dir/ok"
  ln -sfn "$dir" "$cache/$major/current"
}

works=()
trap 'rm -rf "${works[@]}"' EXIT
for major in "${majors[@]}"; do
  mkdir -p "$cache/$major"
  [ "$(id -u)" = 0 ] && chmod a+rx "$cache/$major"
  # One fetch at a time per major (test workers may ask together).
  exec 9>"$cache/$major/.lock"
  flock 9
  bin=$cache/$major/current/root/usr/lib/postgresql/$major/bin
  if [ $refresh = 1 ] || ! [ -f "$cache/$major/current/ok" ] || ! verify "$bin" "$major"; then
    fetch "$major" >&2
  fi
  exec 9>&-
  verify "$bin" "$major" || die "PostgreSQL $major in $bin does not run"
  echo "$major $(readlink -f "$bin")"
done
