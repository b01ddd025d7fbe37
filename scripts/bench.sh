#!/usr/bin/env bash
# `make bench`: the performance figures, from one run.
#  - durable webhook intake (real HTTP + SQLite fsync), group commit vs the
#    naive one-commit-per-request baseline — target ≥ 2,000 webhooks/s;
#  - latency added between a webhook and the TQM request — target p99 < 20 ms;
#  - resident memory of an idle `mangotqm serve` — target < 40 MB;
#  - load: 20,000 webhooks from 64 senders, TQM answering in 200 ms (stored/s,
#    delivered/s against --rate 200 (fails below 95 %), the slowest second,
#    peak RSS);
#  - backfill of 10,000 calls from the fake Mango VPBX (time to store; the
#    delivery rate against a TQM that answers 429 above 10 requests/s; 429s,
#    which must be 0);
#  - the poll road (`serve --tunnel poll`, default 1-minute poll): time from
#    a call's end to TQM's 200, median and maximum — target ≤ 90 s;
#  - the desktop app's idle RSS and CPU with 10,000 calls, next to a minimal
#    Fyne window measured the same way (real Secret Service, Xvfb).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=auto CGO_ENABLED=1
out=$(mktemp)
go test -tags migrated_fynedo -run '^$' -bench 'Intake' -benchtime 5x ./app/receiver | tee "$out"
go test -tags migrated_fynedo -run '^$' -bench 'Latency|IdleRSS|Load20k' -benchtime 1x -timeout 60m ./app/e2e | tee -a "$out"
go test -tags migrated_fynedo -run '^$' -bench 'PollRoadSpeed' -benchtime 1x -timeout 20m ./app/e2e | tee -a "$out"
dbus-run-session -- bash -c 'echo bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec xvfb-run -a -s "-screen 0 1366x768x24" go test -tags migrated_fynedo -run "^$" -bench DesktopIdle -benchtime 1x ./ui' 2>/dev/null | tee -a "$out"
echo
echo "== mangotqm benchmark summary =="
awk '/^Benchmark/ { name=$1; sub(/-[0-9]+$/, "", name); line=name":"; for (i=3;i<=NF;i+=2) if ($(i+1) != "ns/op") line=line" "$i" "$(i+1); print line }' "$out"
rm -f "$out"
