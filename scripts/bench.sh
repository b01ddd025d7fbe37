#!/usr/bin/env bash
# `make bench`: the performance figures, from one run.
#  - durable webhook intake (real HTTP + SQLite fsync), group commit vs the
#    naive one-commit-per-request baseline — target ≥ 2,000 webhooks/s;
#  - latency added between a webhook and the TQM request — target p99 < 20 ms;
#  - resident memory of an idle `mangotqm serve` — target < 40 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=auto CGO_ENABLED=1
out=$(mktemp)
go test -tags migrated_fynedo -run '^$' -bench 'Intake' -benchtime 5x ./app/receiver | tee "$out"
go test -tags migrated_fynedo -run '^$' -bench 'Latency|IdleRSS' -benchtime 1x ./app/e2e | tee -a "$out"
dbus-run-session -- xvfb-run -a -s "-screen 0 1366x768x24" go test -tags migrated_fynedo -run '^$' -bench 'DesktopIdle' -benchtime 1x ./ui 2>/dev/null | tee -a "$out"
echo
echo "== mangotqm benchmark summary =="
awk '/^Benchmark/ { name=$1; sub(/-[0-9]+$/, "", name); line=name":"; for (i=3;i<=NF;i+=2) if ($(i+1) != "ns/op") line=line" "$i" "$(i+1); print line }' "$out"
rm -f "$out"
