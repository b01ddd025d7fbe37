#!/usr/bin/env bash
# The full test suite (`make test`): every package, with
#  - a real Secret Service: a private D-Bus session bus and an unlocked
#    gnome-keyring in a throwaway keyring directory (MANGOTQM_KEYRING_TEST=1
#    makes the keychain tests mandatory rather than skipped);
#  - a virtual X display (Xvfb) for the real-window screenshot test;
# then the Windows tests: the release mangotqm.exe and installer under Wine
# (scripts/wine-test.sh). MANGOTQM_WINDOWS_TESTS=0 skips them (CI never does).
# Arguments go to the Linux `go test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=auto CGO_ENABLED=1

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/data/keyrings" "$scratch/runtime"
chmod 700 "$scratch/data/keyrings" "$scratch/runtime"

export XDG_DATA_HOME="$scratch/data"        # gnome-keyring stores its keyrings here
export XDG_RUNTIME_DIR="$scratch/runtime"
export MANGOTQM_KEYRING_TEST=1
export MANGOTQM_TEST_OUT="${MANGOTQM_TEST_OUT:-$PWD/build/test-output}"
mkdir -p "$MANGOTQM_TEST_OUT"

gofmt_out=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go') 2>/dev/null || true)
if [ -n "$gofmt_out" ]; then
  echo "gofmt would change:"; echo "$gofmt_out"; exit 1
fi
go vet -tags migrated_fynedo ./...
go vet -tags 'migrated_fynedo tour' . ./ui/... # the screenshot tour (its test builds the app with the tag)
GOOS=windows CGO_ENABLED=0 go vet ./app/instance ./app/autostart ./app/e2e/wincred ./packaging/...

dbus-run-session -- bash -c '
  set -euo pipefail
  echo "mangotqm-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec xvfb-run -a -s "-screen 0 1366x768x24" \
    go test -tags migrated_fynedo -count=1 -timeout 30m "$@" ./...
' bash "$@"

if [ "${MANGOTQM_WINDOWS_TESTS:-1}" = 0 ]; then
  echo "Windows tests SKIPPED (MANGOTQM_WINDOWS_TESTS=0)"
  exit 0
fi
scripts/wine-test.sh
