#!/usr/bin/env bash
# The Windows tests (part of `make test`; alone: `make test-windows`).
#
#  1. scripts/dist.sh windows: the release zip and setup.exe (mangotqm.exe is
#     cached under a hash of the sources, so this is cheap when nothing changed).
#  2. A private Wine prefix for this run (Wine 8.0, 64-bit), with the test-only
#     bcryptprimitives.dll shim (packaging/wine/) that Go >= 1.24 needs there.
#  3. The exe's PE headers: GUI subsystem, icon, version info, manifest.
#  4. app/instance and app/autostart tests, built for Windows, run under Wine:
#     single instance and the owner lock across two processes, the HKCU Run value.
#  5. app/e2e against the zip's mangotqm.exe under Wine (and Xvfb): the shared
#     serve tests (delivery to the strict fake TQM, dedup, bad input, outage,
#     crash safety, calls --json, secrets never in logs) and the Windows ones
#     (Credential Manager, %LOCALAPPDATA%, console + Ctrl+C, the demo window and
#     a second start, the installer: its pages in Russian with the real size
#     and the product's picture, an update over a running copy, an uninstall
#     with the app running, /DELETEDATA). Screenshots: build/test-output/.
#
# Any failure fails the script. Extra arguments go to the e2e `go test`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export GOTOOLCHAIN=auto
out=${MANGOTQM_TEST_OUT:-$root/build/test-output}
mkdir -p "$out"
t0=$SECONDS
step() { printf '\n== windows: %s (%ds)\n' "$*" $((SECONDS - t0)); }

for tool in wine wineserver winepath x86_64-w64-mingw32-gcc makensis unzip xvfb-run script; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/deps.sh" >&2; exit 1; }
done

step "release artifacts"
scripts/dist.sh windows
version=$(sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml | head -1)
zip=$root/build/dist/mangotqm_${version}_windows_amd64.zip
setup=$root/build/dist/mangotqm_${version}_windows_amd64_setup.exe
[ -s "$zip" ] && [ -s "$setup" ] || { echo "dist did not produce $zip and $setup" >&2; exit 1; }

scratch=$(mktemp -d /tmp/mangotqm-wine.XXXXXX)
export WINEPREFIX=$scratch/prefix WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
hold=
cleanup() {
  [ -z "$hold" ] || kill "$hold" 2>/dev/null || true
  wineserver -k >/dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap cleanup EXIT

step "Wine prefix"
wine wineboot -i >/dev/null 2>&1 || true
timeout 120 wineserver -w || true
[ -d "$WINEPREFIX/drive_c/windows/system32" ] || { echo "wineboot did not create the prefix" >&2; exit 1; }
x86_64-w64-mingw32-gcc -shared -O2 -s -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  packaging/wine/bcryptprimitives.c -ladvapi32
# One Windows program for the whole run keeps the Wine server and its services
# up, so no test meets them on their way out (packaging/wine/hold.c).
x86_64-w64-mingw32-gcc -O2 -s -o "$scratch/wine-hold.exe" packaging/wine/hold.c
wine "$scratch/wine-hold.exe" </dev/null >/dev/null 2>&1 &
hold=$!
for _ in $(seq 100); do
  pgrep -f wine-hold.exe >/dev/null && [ -n "$(pgrep -f 'services.exe' || true)" ] && break
  sleep 0.2
done

step "the portable exe"
unzip -q "$zip" -d "$scratch/zip"
exe=$scratch/zip/mangotqm.exe
headers=$(x86_64-w64-mingw32-objdump -p "$exe")
grep -q 'Subsystem.*(Windows GUI)' <<<"$headers" || { echo "mangotqm.exe is not linked for the GUI subsystem" >&2; exit 1; }
# Resource types in .rsrc: 3 icon, 14 icon group, 16 version info, 24 manifest.
go run ./packaging/windows/rsrccheck "$exe" "$version"
got=$(wine "$exe" version | tr -d '\r')
[ "$got" = "mangotqm $version" ] || { echo "mangotqm.exe version says '$got', want 'mangotqm $version'" >&2; exit 1; }
echo "$got: GUI subsystem, resources ok"

step "app/instance and app/autostart under Wine"
for pkg in instance autostart; do
  CGO_ENABLED=0 GOOS=windows GOARCH=amd64 go test -c -o "$scratch/$pkg.test.exe" "./app/$pkg"
  wine "$scratch/$pkg.test.exe" -test.v -test.count=1 -test.timeout=5m | tr -d '\r' | tee "$scratch/$pkg.log"
  grep -q '^PASS$' "$scratch/$pkg.log" || { echo "app/$pkg failed under Wine" >&2; exit 1; }
done
# What the autostart test wrote and removed, read back from Linux.
if wine reg query 'HKCU\Software\Microsoft\Windows\CurrentVersion\Run' 2>/dev/null | grep -q mangotqm-test; then
  echo "the autostart test left its Run value behind" >&2; exit 1
fi

# An "older release" to update from: the same exe with bytes appended (Windows
# ignores them; they make A's file tell from B's) in a setup.exe stamped
# 0.0.1. The update test installs it, runs it and installs the release over it.
old_exe=$scratch/old/mangotqm.exe
mkdir -p "$scratch/old"
cp "$exe" "$old_exe" && printf 'mangotqm-e2e-older-release' >>"$old_exe"
scripts/dist.sh setup "$old_exe" 0.0.1 "$scratch/old/mangotqm_0.0.1_setup.exe" >/dev/null

step "app/e2e against mangotqm.exe"
mkdir -p "$scratch/tour" && CC=x86_64-w64-mingw32-gcc GOOS=windows GOARCH=amd64 CGO_ENABLED=1 go build -tags "migrated_fynedo no_emoji tour" -ldflags "-H=windowsgui" -o "$scratch/tour/mangotqm.exe" . # the screenshot tour (TestWindowsDemoWindow)
export MANGOTQM_E2E_WINE=wine MANGOTQM_E2E_EXE=$exe MANGOTQM_E2E_TOUR_EXE=$scratch/tour/mangotqm.exe MANGOTQM_E2E_SETUP=$setup MANGOTQM_E2E_VERSION=$version
export MANGOTQM_E2E_EXE_OLD=$old_exe MANGOTQM_E2E_SETUP_OLD=$scratch/old/mangotqm_0.0.1_setup.exe
export MANGOTQM_TEST_OUT=$out
cases='^(TestServeDeliversMappedCalls|TestOutageThenRecovery|TestCrashSafety|TestSecretsNeverLeak|TestServeNgrokWithoutTokenFailsFast|TestSecondServeOnOneFolderIsRefused|TestWindows.*)$'
xvfb-run -a -s "-screen 0 1366x768x24" \
  go test -tags migrated_fynedo -count=1 -timeout 30m -v -run "$cases" "$@" ./app/e2e 2>&1 |
  tee "$out/windows-e2e.log" | grep -E '^(=== RUN|--- |PASS|FAIL|ok|\s+\S+_test\.go)' || true
grep -q '^ok ' "$out/windows-e2e.log" || { echo "app/e2e under Wine failed (full log: $out/windows-e2e.log):"; tail -60 "$out/windows-e2e.log"; exit 1; } >&2
step "all Windows tests passed"
