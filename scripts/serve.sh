#!/usr/bin/env bash
# Quick start: install what is missing, build, and run the server on the
# embedded default store (RocksDB under ./data, HTTP on port 5000).
# Extra arguments are passed to `lineaged serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/lineaged serve "$@"
