#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages mangotqm needs to build, run and test,
# only those that are missing. Used by `make run`, `make test` and CI.
set -euo pipefail

pkgs=(
  gcc pkg-config                                   # cgo: SQLite and the Fyne GL driver
  libgl1-mesa-dev xorg-dev libxkbcommon-dev libwayland-dev   # Fyne (X11 + Wayland)
  xvfb xauth x11-apps x11-utils imagemagick        # screenshot tests under a virtual display
  dbus dbus-x11 gnome-keyring libsecret-tools      # real Secret Service for keychain tests
  lame sox                                         # test audio (generated, never downloaded)
  gcc-mingw-w64-x86-64 nsis zip unzip              # Windows build and installer (make dist)
  wine wine64                                      # Windows tests under Wine (scripts/wine-test.sh)
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "Installing missing system packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "Please install as root: apt-get install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v go >/dev/null; then
  echo "Go is not installed. Install Go 1.21 or newer (https://go.dev/dl/); the build then fetches the pinned toolchain itself." >&2
  exit 1
fi
