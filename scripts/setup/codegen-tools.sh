#!/usr/bin/env bash
# Tools the code-generation tests need (tests/integration/test_codegen_*.py). Idempotent.
#   * the Go toolchain (go, gofmt) from Debian: gofmt-checks every generated Go file and
#     `go vet`/`go build`s the generated models (standard library only, no downloads);
#   * node/npm and, in .cache/cdk-ts (or $LIFT_CDK_TS_CACHE), aws-cdk-lib, constructs,
#     typescript and @types/node: compiles and synthesizes the generated CDK TypeScript.
# With CI=true the tests fail (never skip) when any of these is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${LIFT_CDK_TS_CACHE:-$ROOT/.cache/cdk-ts}"
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

apt_updated=0
apt_install() {
  if [ "$apt_updated" = "0" ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@"
}

if ! command -v go >/dev/null 2>&1 || ! command -v gofmt >/dev/null 2>&1; then
  apt_install golang-go
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi

mkdir -p "$CACHE"
if [ ! -f "$CACHE/node_modules/aws-cdk-lib/package.json" ] || [ ! -f "$CACHE/node_modules/typescript/bin/tsc" ] \
  || [ ! -f "$CACHE/node_modules/constructs/package.json" ]; then
  cd "$CACHE"
  if [ ! -f package.json ]; then
    printf '{\n  "name": "lift-cdk-ts-cache",\n  "private": true\n}\n' > package.json
  fi
  npm install --no-audit --no-fund --loglevel=error aws-cdk-lib@2 constructs@10 typescript@5 @types/node@20
fi

echo "codegen tools ready: $(go version), gofmt $(command -v gofmt), node $(node --version), cdk-ts cache $CACHE"
