#!/usr/bin/env bash
# Installs what only the tests need, and skips it when already there (make test runs this
# after install-deps.sh; make demo does not need it):
#   Debian: chromium, which renders rdc eval's --html report headless to prove that the page
#   loads every image and plot (Tests/EndToEndTests/HTMLReportTests.swift).
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
    echo "install-test-deps: apt-get install chromium"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
fi
