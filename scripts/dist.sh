#!/usr/bin/env bash
# `make dist`: release artifacts in build/dist/, named after FyneApp.toml's
# version:
#   mangotqm_<version>_windows_amd64.zip        portable mangotqm.exe
#   mangotqm_<version>_windows_amd64_setup.exe  per-user NSIS installer
#   mangotqm_<version>_linux_amd64.tar.xz       `fyne package` tarball
#
#   scripts/dist.sh [all|windows|linux]   (default all)
#   scripts/dist.sh setup EXE VERSION OUT  only a setup.exe of EXE (tests)
#
# Both executables come from the Fyne packaging tool (fyne.io/tools, pinned
# below): it embeds FyneApp.toml's metadata, and for Windows the icon,
# version info and manifest (a .syso) and links for the GUI subsystem. The
# Windows build cross-compiles cgo with mingw-w64 (x86_64-w64-mingw32-gcc).
#
# `fyne package` writes temporary files (fyne.syso, fyne_metadata_init.go)
# into the source folder, so it works on a copy in build/src-<os>/: the
# checkout stays clean even when a build is interrupted. The Windows exe is
# kept in build/cache/ under a hash of the sources and the toolchain, so
# running this again (e.g. from scripts/wine-test.sh) without changes costs
# nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export GOTOOLCHAIN=auto CGO_ENABLED=1
FYNE_TOOL=fyne.io/tools/cmd/fyne@v1.7.4
what=${1:-all}
case $what in
  all|windows|linux) ;;
  setup) [ $# -eq 4 ] || { echo "usage: $0 setup EXE VERSION OUT" >&2; exit 2; } ;;
  *) echo "usage: $0 [all|windows|linux] | $0 setup EXE VERSION OUT" >&2; exit 2 ;;
esac

toml() { sed -n "s/^$1 *= *\"\{0,1\}\([^\"]*\)\"\{0,1\} *\$/\1/p" FyneApp.toml | head -1; }
version=$(toml Version)
buildno=$(toml Build)
[ -n "$version" ] || { echo "no Version in FyneApp.toml" >&2; exit 1; }
name=mangotqm_${version}
dist=$root/build/dist
mkdir -p "$dist" build/cache
ldflags="-ldflags=-X=mangotqm/app/cli.Version=${version}"
# Build tags besides migrated_fynedo (which fyne package adds from
# FyneApp.toml): the same as the Makefile's TAGS (see there).
tags=no_emoji

# sources lists the files a build uses: tracked and untracked-but-not-ignored.
sources() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done
  else
    find . -path ./build -prune -o -path ./.git -prune -o -type f -print0
  fi
}

# copy_sources DIR: a fresh copy of the sources in DIR.
copy_sources() {
  rm -rf "$1" && mkdir -p "$1"
  sources | tar --null -T - -cf - | tar -xf - -C "$1"
}

# fyne runs the pinned Fyne tool, installed for this machine into build/tools.
fyne() {
  local bin=$root/build/tools/${FYNE_TOOL//[\/@]/_}
  if [ ! -x "$bin/fyne" ]; then # for this machine, whatever the caller's CC/GOOS/GOFLAGS
    env -u CC -u GOOS -u GOARCH -u GOFLAGS GOBIN="$bin" go install "$FYNE_TOOL"
  fi
  "$bin/fyne" "$@"
}

# go_with_version writes build/tools/go-version, a `go` that links the release
# version into every build (-X mangotqm/app/cli.Version). `fyne package
# --os windows` builds twice (the second time with the icon/manifest .syso)
# and passes GOFLAGS' -ldflags only to the first build, so the version is
# added here instead; fyne runs $GO when it is set.
go_with_version() {
  local w=$root/build/tools/go-version
  mkdir -p "$(dirname "$w")"
  cat >"$w" <<WRAP
#!/usr/bin/env bash
x='-X=mangotqm/app/cli.Version=$version'
if [ "\${1:-}" != build ]; then exec $(command -v go) "\$@"; fi
args=(); seen=0
while ((\$#)); do
  case \$1 in
    -ldflags) args+=("\$1" "\$2 \$x"); seen=1; shift 2; continue ;;
    -ldflags=*) args+=("\$1 \$x"); seen=1 ;;
    *) args+=("\$1") ;;
  esac
  shift
done
((seen)) || args=(build -ldflags "\$x" "\${args[@]:1}")
exec $(command -v go) "\${args[@]}"
WRAP
  chmod +x "$w"
  GO_WITH_VERSION=$w
}

windows_exe() {
  command -v x86_64-w64-mingw32-gcc >/dev/null || { echo "x86_64-w64-mingw32-gcc missing: run scripts/deps.sh" >&2; exit 1; }
  local key exe src
  # The key covers what goes into the exe: Go sources (not tests, nor the
  # e2e test tools in app/e2e), modules, FyneApp.toml, assets, this script
  # and the toolchains.
  key=$( { sources | grep -zE '(\.go|^go\.(mod|sum)|^FyneApp\.toml|^assets/.*|^scripts/dist\.sh)$' |
             grep -zv '_test\.go$' | grep -zv '^app/e2e/' | sort -z | xargs -0 sha256sum
           go version; x86_64-w64-mingw32-gcc --version | head -1; echo "$FYNE_TOOL $version"; } |
         sha256sum | cut -c1-16)
  exe=$root/build/cache/windows-$key/mangotqm.exe
  if [ -f "$exe" ]; then
    echo "windows: mangotqm.exe is up to date (build/cache/windows-$key)" >&2
  else
    echo "windows: building mangotqm.exe $version with fyne package (cgo via mingw-w64; ~10 min cold)…" >&2
    src=$root/build/src-windows
    copy_sources "$src"
    go_with_version
    (cd "$src" && CC=x86_64-w64-mingw32-gcc GOARCH=amd64 GO="$GO_WITH_VERSION" \
      fyne package --os windows --release --tags "$tags" --name mangotqm --app-version "$version" --app-build "$buildno")
    mkdir -p "$(dirname "$exe")"
    mv "$src/mangotqm.exe" "$exe.tmp" && mv "$exe.tmp" "$exe"
    rm -rf "$src"
    find "$root/build/cache" -maxdepth 1 -name 'windows-*' ! -name "windows-$key" -exec rm -rf {} +
  fi
  WINDOWS_EXE=$exe
}

# installer EXE VERSION OUT: the NSIS setup.exe for EXE, stamped VERSION
# (the Windows tests also build one of an older "version" this way).
installer() {
  local exe=$1 v=$2 out=$3 res
  res=$(mktemp -d "$root/build/nsis.XXXXXX")
  # The installer's own icon, from the same PNG as the exe's, and the
  # picture of its welcome and finish pages (164×314, 24-bit BMP).
  convert assets/icon.png -background none -define icon:auto-resize=256,64,48,32,16 "$res/mangotqm.ico"
  convert -size 164x314 gradient:'#fdf1e4'-'#f6a54f' \( assets/icon.png -resize 112x112 \) \
    -gravity north -geometry +0+48 -composite -type TrueColor "BMP3:$res/welcome.bmp"
  local vi=${v%%[-+]*}; while [ "$(tr -cd . <<<"$vi" | wc -c)" -lt 3 ]; do vi=$vi.0; done
  vi=${vi%.*}.${buildno:-0}
  makensis -V2 -INPUTCHARSET UTF8 \
    "-DVERSION=$v" "-DVIVERSION=$vi" "-DEXE=$exe" "-DICON=$res/mangotqm.ico" "-DWELCOME_BMP=$res/welcome.bmp" \
    "-DOUTFILE=$out" packaging/windows/installer.nsi
  rm -rf "$res"
}

windows() {
  windows_exe
  local stage=$root/build/stage-windows
  rm -rf "$stage" && mkdir -p "$stage"
  cp "$WINDOWS_EXE" "$stage/mangotqm.exe"
  rm -f "$dist/${name}_windows_amd64.zip"
  (cd "$stage" && zip -q -9 -X "$dist/${name}_windows_amd64.zip" mangotqm.exe)

  installer "$WINDOWS_EXE" "$version" "$dist/${name}_windows_amd64_setup.exe"
  rm -rf "$stage"
  echo "$dist/${name}_windows_amd64.zip"
  echo "$dist/${name}_windows_amd64_setup.exe"
}

linux() {
  local src=$root/build/src-linux
  echo "linux: fyne package --os linux…" >&2
  copy_sources "$src"
  (cd "$src" && GOFLAGS="$ldflags" fyne package --os linux --release --tags "$tags" --name mangotqm \
    --app-version "$version" --app-build "$buildno")
  mv "$src/mangotqm.tar.xz" "$dist/${name}_linux_amd64.tar.xz"
  rm -rf "$src"
  echo "$dist/${name}_linux_amd64.tar.xz"
}

case $what in
  windows) windows ;;
  setup) installer "$(realpath "$2")" "$3" "$(realpath -m "$4")" ;;
  linux) linux ;;
  all) windows; linux ;;
esac
