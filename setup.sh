#!/usr/bin/env bash
# Sets up everything hallq needs on a bare Debian machine, idempotently:
# system packages (Qt's X11 libraries, libzbar, libpulse, Xvfb, espeak-ng, sox, socat, fonts,
# Chromium for the web pages' browser tests, PostgreSQL for the city database),
# a virtual environment in .venv/ and the project with its development tools.
# Usage: ./setup.sh            (then: .venv/bin/hallq demo, or .venv/bin/pytest)
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0
  libxcb-randr0 libxcb-xkb1 libx11-xcb1 libxkbcommon-x11-0 libxkbcommon0 libegl1 libgl1
  libfontconfig1 libdbus-1-3 libglib2.0-0 libpulse0 libzbar0 libusb-1.0-0
  xvfb x11-apps imagemagick xdotool espeak-ng sox socat fonts-wqy-microhei
  chromium postgresql
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.hallq-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  touch "$stamp"
fi
echo "setup: ready (.venv/bin/hallq demo runs the hall, .venv/bin/pytest runs the tests)"
