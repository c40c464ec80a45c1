#!/usr/bin/env bash
# Installs the Debian packages that real and virtual displays (and the tests) need, and nothing that is already
# there. Quick when all are present: one dpkg-query and no network. Needs root (or sudo) when
# something is missing. See the README for why each package is here.
#
#   xvfb                     the virtual X server of virtual machines and native tests
#   x11-xserver-utils        xrandr, which the screenshot-desktop capture backend runs
#   imagemagick              import, the screenshot-desktop capture backend on Linux
#   xauth x11-utils          xdpyinfo and friends, to check that a display answers
#   libxtst6 libx11-6 libxext6  the libraries nut-js's native module links against
#   xclip                    typing text outside ASCII: it is pasted through the X selections
#   xdotool                  finding launched programs' windows; checks in native tests
#   xterm chromium           programs that virtual machines launch
#   matchbox-window-manager  the small window manager a virtual machine may ask for
#   curl jq                  the test that plays a shell client of the hosted runs API
set -euo pipefail

packages=(
  xvfb x11-xserver-utils imagemagick xauth x11-utils libxtst6 libx11-6 libxext6
  xclip xdotool xterm chromium matchbox-window-manager curl jq
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  if [ "$status" != "install ok installed" ]; then missing+=("$package"); fi
done

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "setup-native: missing Debian packages (${missing[*]}), and not root to install them" >&2
  exit 1
fi

echo "== apt-get install ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
