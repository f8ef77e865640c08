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
  libgsl-dev                             # Student's t quantiles: confidence intervals over seeds
  fonts-liberation2                      # the figures' font (Helvetica's widths, which the layout assumes)
  clang-14 libclang-rt-14-dev            # fuzzing (scripts/fuzz.sh, ctest fuzz): libclang-rt-14-dev
                                         # holds libFuzzer's runtime and is only a recommended
                                         # package of clang-14, so it is named here
)
# Debian's ns-3 CMake package (/usr/lib/x86_64-linux-gnu/cmake/ns3/ns3Targets*.cmake)
# names files of packages that libns3-dev does not depend on; every path in
# its INTERFACE_INCLUDE_DIRECTORIES, INTERFACE_LINK_LIBRARIES and IMPORTED_LOCATION
# must exist, or CMake refuses the targets.  The packages that hold them:
#   /usr/include/libxml2, .../libxml2.so                libxml2-dev
#   /usr/include/python3.11                             libpython3-dev (libpython3.11-dev)
#   .../libgsl.so, .../libgslcblas.so                   libgsl-dev (required anyway)
#   .../libsqlite3.so                                   libsqlite3-dev (required anyway)
#   /usr/libexec/ns3/ns3.37-{raw-sock,tap-device}-creator   ns3
# CMake checks them again (scripts/optional-package.cmake) and builds without
# ns-3, naming what is missing, when one is absent.
optional=(
  libns3-dev                             # the ns-3 backend (libns3-c)
  ns3 libxml2-dev libpython3-dev         # files ns-3's CMake package names (above; libgsl-dev is required)
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

# Files that ns-3's CMake package names but that do not exist (one per line).
ns3_cmake_missing() {
  local dir f
  for dir in /usr/lib/*/cmake/ns3; do
    [ -f "$dir/ns3Targets.cmake" ] || continue
    grep -ohE '"[^"]*"' "$dir"/ns3Targets*.cmake | tr -d '"' | tr ';' '\n' |
      sed 's#^${_IMPORT_PREFIX}#/usr#' | grep '^/' | sort -u |
      while read -r f; do
        [ -e "$f" ] || echo "setup: ns-3's CMake package names $f, which does not exist:" \
          "the ns-3 backend will be absent" >&2
      done
  done
}

need_req=$(missing "${required[@]}")
need_opt=$(missing "${optional[@]}")
if [ -z "$need_req" ] && [ -z "$need_opt" ]; then
  ns3_cmake_missing
  exit 0
fi

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
ns3_cmake_missing
