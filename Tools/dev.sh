#!/usr/bin/env bash
# The README's two commands live here, so that a newcomer and CI run exactly the same steps:
#   bash Tools/dev.sh demo [pouw demo options]   install what is missing, build (release), run the local demo
#   bash Tools/dev.sh test                        install what is missing, lint, build (release), run every test
# Long fault/soak tests run in a reduced form unless POUW_LONG_TESTS=1.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(pkg-config liblmdb-dev libzstd-dev libssl-dev lmdb-utils zstd dataset-fashion-mnist)

install_missing() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "==> installing system packages: ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

# Every build in this script uses the same flags, so the test run reuses the build instead of redoing it.
BUILD_FLAGS=(-c release -Xswiftc -enable-testing)

case "${1:-}" in
demo)
    shift
    install_missing
    swift build "${BUILD_FLAGS[@]}"
    exec "$(swift build "${BUILD_FLAGS[@]}" --show-bin-path)/pouw" demo "$@"
    ;;
test)
    shift
    install_missing
    echo "==> swift format lint --strict"
    swift format lint --strict --recursive --parallel Package.swift Sources Tests Tools
    echo "==> swift build (release, warnings are errors)"
    swift build "${BUILD_FLAGS[@]}" --build-tests
    POUW_BIN_DIR="$(swift build "${BUILD_FLAGS[@]}" --show-bin-path)"
    export POUW_BIN_DIR
    echo "==> swift test (release)"
    swift test "${BUILD_FLAGS[@]}" --skip-build "$@"
    ;;
*)
    echo "usage: bash Tools/dev.sh demo [options] | test [swift test options]" >&2
    exit 64
    ;;
esac
