#!/usr/bin/env bash
# Debian/Ubuntu system libraries that Qt 6 (PySide6) needs to run offscreen and in a real X window,
# plus Xvfb for screenshots. Installs only what is missing; never fails the caller when it cannot
# install (it says what to install instead).
set -uo pipefail
PKGS=(libgl1 libegl1 libfontconfig1 libfreetype6 libxkbcommon0 libdbus-1-3 libglib2.0-0
      fonts-dejavu-core libx11-xcb1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4
      libxcb-keysyms1 libxcb-image0 libxcb-randr0 libxcb-render-util0 libxcb-shape0
      libxcb-xinerama0 libxcb-xkb1 xvfb xauth)
command -v dpkg-query >/dev/null 2>&1 || { echo "system-deps: not a Debian system; install Qt's X11/EGL libraries yourself" >&2; exit 0; }
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "system-deps: please install: ${missing[*]}" >&2; exit 0; fi
fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null || true
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || echo "system-deps: apt-get could not install: ${missing[*]}" >&2
exit 0
