#!/usr/bin/env bash
# The whole test suite: once against a throwaway PostgreSQL cluster, once against
# the embedded SQLite default. Installs what the tests need first. Extra arguments
# go to pytest (e.g. `bash scripts/test.sh -k canon`).
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null; then
  echo "== installing Debian's chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || exit 1
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || exit 1
  fi
fi

# axe-core, the accessibility checker the browser tests inject: a pinned test asset from npm.
if [ ! -f node_modules/axe-core/axe.min.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if ! command -v npm >/dev/null; then
    echo "== installing Debian's npm for the accessibility tests' axe-core"
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null || exit 1
    else
      sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null || exit 1
    fi
  fi
  echo "== npm ci (axe-core for the accessibility tests)"
  npm ci --no-audit --no-fund --loglevel=error || exit 1
fi

export DJANGO_ALLOW_ASYNC_UNSAFE=true  # Playwright's sync API runs an event loop beside the ORM
PYTEST=(.venv/bin/python -m pytest)

pgdir=$(mktemp -d /tmp/readinggroup-pg.XXXXXX)
cleanup() { bash scripts/pgcluster.sh stop "$pgdir"; }
trap cleanup EXIT INT TERM

url=$(bash scripts/pgcluster.sh start "$pgdir") || exit 1
echo "== PostgreSQL: $url"
DATABASE_URL="$url" "${PYTEST[@]}" "$@"
pg_status=$?

echo "== SQLite (embedded default)"
env -u DATABASE_URL "${PYTEST[@]}" "$@"
sqlite_status=$?

echo "== PostgreSQL run: exit $pg_status; SQLite run: exit $sqlite_status"
[ "$pg_status" -eq 0 ] && [ "$sqlite_status" -eq 0 ]
