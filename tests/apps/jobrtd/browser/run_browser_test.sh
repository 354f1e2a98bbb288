#!/usr/bin/env bash
# CTest's entry to the dashboard's browser test:
#   run_browser_test.sh JOBRTD NODE CHROMIUM
# NODE and CHROMIUM are what CMake found (NAME-NOTFOUND when it found
# nothing). Without node, chromium or the node_modules of `npm ci` here the
# test is skipped (exit 77), or fails naming what is missing when
# JOBRT_REQUIRE_BROWSER=1, as in CI: a missing browser never passes as green.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jobrtd=$1 node=${2:-} chromium=${3:-}

missing=()
[[ -n "$node" && -x "$node" ]] || missing+=("node (Debian package nodejs)")
[[ -n "$chromium" && -x "$chromium" ]] || missing+=("chromium (Debian package chromium)")
[[ -f "$here/node_modules/puppeteer-core/package.json" ]] ||
  missing+=("puppeteer-core (run: npm ci --prefix tests/apps/jobrtd/browser)")
if ((${#missing[@]})); then
  printf 'dashboard browser test: missing %s\n' "${missing[@]}" >&2
  if [[ "${JOBRT_REQUIRE_BROWSER:-}" == 1 ]]; then
    echo 'dashboard browser test: FAILED (JOBRT_REQUIRE_BROWSER=1)' >&2
    exit 1
  fi
  exit 77
fi

export JOBRTD_PATH=$jobrtd JOBRT_CHROMIUM=$chromium
exec "$node" --test --test-reporter=spec "$here/dashboard.test.mjs"
