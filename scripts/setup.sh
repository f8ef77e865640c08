#!/usr/bin/env bash
# setup.sh - install the Debian packages offsim builds, runs and tests with.
#
# Idempotent and silent when everything is present; otherwise it names what
# it installs.  Needs root (or sudo) only when something is missing.
# Optional packages (the ns-3 backend, MPI) are attempted too; the build
# reports those features as absent where they could not be installed.
set -euo pipefail

required=(
  build-essential g++ cmake pkg-config   # compilers and the build
  libsqlite3-dev sqlite3                 # results store, and the sqlite3 shell for queries
  libinih-dev                            # scenario files
  librandom123-dev                       # counter-based random streams (Philox)
  nettle-dev                             # SHA-256 for run identities and scenario hashes
  libpcap-dev tcpdump                    # packet traces (run --pcap), read back by the tests
  gnuplot-nox                            # offsim plot
)
optional=(
  libns3-dev                             # the ns-3 backend (libns3-c)
  ns3 libgsl-dev                         # files ns-3's CMake package refers to (find_package(ns3))
  openmpi-bin libopenmpi-dev             # distributed sweeps
)

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing() {
  local p out=()
  for p in "$@"; do installed "$p" || out+=("$p"); done
  echo "${out[@]:-}"
}

need_req=$(missing "${required[@]}")
need_opt=$(missing "${optional[@]}")
[ -z "$need_req" ] && [ -z "$need_opt" ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "setup: missing packages ($need_req $need_opt) and not root; run as root" >&2
    exit 1
  fi
fi

apt_install() {
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q \
    --no-install-recommends "$@" >/tmp/offsim-setup.$$.log 2>&1
}

echo "setup: installing ${need_req} ${need_opt}" >&2
if ! $sudo apt-get update -q >/tmp/offsim-setup.$$.log 2>&1; then
  echo "setup: apt-get update failed:" >&2
  cat /tmp/offsim-setup.$$.log >&2
  exit 1
fi
if [ -n "$need_req" ]; then
  # shellcheck disable=SC2086
  if ! apt_install $need_req; then
    echo "setup: could not install required packages ($need_req):" >&2
    cat /tmp/offsim-setup.$$.log >&2
    exit 1
  fi
fi
if [ -n "$need_opt" ]; then
  # shellcheck disable=SC2086
  apt_install $need_opt ||
    echo "setup: optional packages not installed ($need_opt); those features will be absent" >&2
fi
rm -f /tmp/offsim-setup.$$.log
