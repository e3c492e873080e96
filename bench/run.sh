#!/usr/bin/env bash
# Start-up benchmark: UserNsContainer next to bwrap, ch-run, unshare and nsenter, run side by side;
# then sessions (bench/Sessions.ps1) next to PowerShell's out-of-process sessions and Start-Job.
# Needs: bubblewrap, charliecloud-runtime, busybox-static (apt-get install ...).
#   bash bench/run.sh [--iterations N | --thousand]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project bench/UsncBench -- "$@"
[ "${1:-}" = "--thousand" ] && exit 0   # only the thousand idle containers
# sessions: in real pwsh (a session's server is the pwsh that opens it)
iterations=10; [ "${1:-}" = "--iterations" ] && iterations=$2
dotnet tool restore >/dev/null && dotnet pwsh -NoProfile -File bench/Sessions.ps1 -Iterations "$iterations"
# stdout and stdin relays against native commands on a 1 GiB file (USNC_BENCH_STREAM_MIB to change it)
dotnet pwsh -NoProfile -File bench/Streams.ps1 -MiB "${USNC_BENCH_STREAM_MIB:-1024}"
