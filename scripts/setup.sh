#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root) for webstr: Debian's Chromium for the browser tests
# and pages, then the npm dependencies exactly as locked. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_node="20.19.0"
if ! command -v node >/dev/null; then
  echo "setup: Node.js >= $need_node is required (not found)" >&2; exit 1
fi
if [ "$(printf '%s\n%s\n' "$need_node" "$(node -p 'process.versions.node')" | sort -V | head -n1)" != "$need_node" ]; then
  echo "setup: Node.js >= $need_node is required, found $(node --version)" >&2; exit 1
fi

if ! command -v chromium >/dev/null; then
  echo "setup: installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# Playwright drives /usr/bin/chromium (no browser download); onnxruntime-node's postinstall would
# try the internet for GPU builds we do not use.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 ONNXRUNTIME_NODE_INSTALL=skip
# `npm install` from the lock, not `npm ci`: the registry reachable here lacks some platform packages
# of optional native dependencies (e.g. @napi-rs/canvas for darwin/win32), so npm cannot write them
# into the lock, and `npm ci` then refuses the lock as "out of sync". npm install honours the locked
# versions and skips the missing optional ones.
npm install --no-audit --no-fund
echo "setup: done ($(node --version), $(chromium --version 2>/dev/null | tail -n1))"
