#!/usr/bin/env bash
# Installs what deskpilot needs on a fresh Debian or Ubuntu machine with Node 20, and nothing
# that is already there: the npm packages, the command-line tools the tests use, then the Debian
# packages of scripts/setup-native.sh for real displays.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi

missing=()
for tool in curl jq; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ -f scripts/setup-native.sh ]; then
  bash scripts/setup-native.sh
fi
