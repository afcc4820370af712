#!/usr/bin/env bash
# Builds the console (console/dist, served by the gateway): installs its npm packages exactly as
# package-lock.json pins them, writes the enum names from the .proto files and bundles the app.
set -euo pipefail
cd "$(dirname "$0")/../console"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run build --silent
