#!/usr/bin/env bash
# Start-up benchmark: UserNsContainer next to bwrap, ch-run, unshare and nsenter, run side by side.
# Needs: bubblewrap, charliecloud-runtime, busybox-static (apt-get install ...).
#   bash bench/run.sh [--iterations N]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project bench/UsncBench -- "$@"
