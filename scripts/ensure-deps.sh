#!/usr/bin/env bash
# Installs what deskpilot needs on a fresh Debian or Ubuntu machine with Node 20, and nothing
# that is already there: the npm packages, then the Debian packages of scripts/setup-native.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi

bash scripts/setup-native.sh
