#!/usr/bin/env bash
# Installs what only the tests need, and skips it when already there (make test runs this
# after install-deps.sh; make demo does not need it):
#   Debian: chromium, which renders rdc eval's --html report headless to prove that the page
#   loads every image and plot (Tests/EndToEndTests/HTMLReportTests.swift);
#   openmpi-bin: mpirun and libmpi, which run the fan-out of rdc train --all-categories over
#   two ranks (Tests/EndToEndTests/FanOutTests.swift); libopenmpi-dev: mpi.h, which rdc's own
#   declarations of the MPI calls are checked against (Tests/DistributedTests/ShimTests.swift).
#   rdc itself never links libmpi: it loads it only when started under mpirun (docs/scaling.md).
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v mpirun >/dev/null 2>&1 || missing+=(openmpi-bin)
ls /usr/lib/*/openmpi/include/mpi.h >/dev/null 2>&1 || missing+=(libopenmpi-dev)
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-test-deps: apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
