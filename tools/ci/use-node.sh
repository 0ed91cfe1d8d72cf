#!/usr/bin/env bash
# Puts Node 24 (the project's runtime, see .nvmrc) first on PATH, installing it from the npm registry's `node`
# package when the machine has another version. Source it: `. tools/ci/use-node.sh`.
want=$(cat "$(dirname "${BASH_SOURCE[0]}")/../../.nvmrc")
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" != "$want" ]; then
  prefix="${NODE_HOME_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-platform/node-$want}"
  if [ "$("$prefix/bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" != "$want" ]; then
    echo "Installing Node $want from the npm registry into $prefix"
    npm install --global --no-audit --no-fund --prefix "$prefix" "node@$want" >/dev/null
  fi
  # npm finds its global config beside the node it runs on; keep the machine's (registry, CA file, proxy).
  NPM_CONFIG_GLOBALCONFIG=$(npm config get globalconfig 2>/dev/null)
  export NPM_CONFIG_GLOBALCONFIG
  export PATH="$prefix/bin:$PATH"
fi
echo "Using Node $(node --version) ($(command -v node)), npm $(npm --version 2>/dev/null)"
