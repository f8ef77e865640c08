#!/usr/bin/env bash
# optional_deps.sh - an optional package that is half-installed or absent never
# fails the configure: offsim is configured (and generated) against fake ns-3
# and MPI installations whose CMake packages name files that do not exist, as
# Debian's ns-3 package names /usr/include/libxml2 without depending on
# libxml2-dev (issue 8).  Each configure must succeed with the feature off and
# name the missing file and the package it comes from.
#   optional_deps.sh SOURCE_DIR
set -u
src=$1
. "$(dirname "$0")/lib.sh"

# A CMake package "ns3" 3.37 with ns3::libcore naming a missing include
# directory, as Debian's does when libxml2-dev is absent.
fake=$tmp/ns3
mkdir -p "$fake"
cat >"$fake/ns3ConfigVersion.cmake" <<'CFG'
set(PACKAGE_VERSION 3.37)
set(PACKAGE_VERSION_COMPATIBLE TRUE)
if(PACKAGE_FIND_VERSION VERSION_EQUAL PACKAGE_VERSION)
  set(PACKAGE_VERSION_EXACT TRUE)
endif()
CFG
cat >"$fake/ns3Config.cmake" <<CFG
set(ns3_VERSION 3.37)
foreach(t libcore libnetwork libinternet libpoint-to-point libtraffic-control)
  if(NOT TARGET ns3::\${t})
    add_library(ns3::\${t} SHARED IMPORTED)
    set_target_properties(ns3::\${t} PROPERTIES IMPORTED_LOCATION /usr/lib/libc.so.6
      INTERFACE_INCLUDE_DIRECTORIES "$tmp/no-such/include/libxml2")
  endif()
endforeach()
CFG

configure() { # NAME ARGS...: configure into $tmp/NAME, output in $tmp/NAME.log
  local name=$1; shift
  cmake -S "$src" -B "$tmp/$name" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF "$@" \
    >"$tmp/$name.log" 2>&1
}
cached() { # NAME VAR: the cached value
  sed -n "s/^$2:[A-Z]*=//p" "$tmp/$1/CMakeCache.txt"
}

if configure half -Dns3_DIR="$fake" -DMPI_C_COMPILER="$tmp/no-such/mpicc"; then
  ok "configure with a half-installed ns-3 succeeds"
else
  fail "configure with a half-installed ns-3 failed:"; cat "$tmp/half.log"
fi
[ -f "$tmp/half/Makefile" ] || [ -f "$tmp/half/build.ninja" ] &&
  ok "build files generated" || fail "no build files generated"
[ "$(cached half OFFSIM_HAVE_NS3)" = OFF ] && ok "ns-3 reported absent" ||
  fail "OFFSIM_HAVE_NS3 is '$(cached half OFFSIM_HAVE_NS3)'"
grep -q "missing: $tmp/no-such/include/libxml2 (from libxml2-dev)" "$tmp/half.log" &&
  ok "the missing path and its package are named" ||
  { fail "the missing path is not named:"; cat "$tmp/half.log"; }
[ "$(cached half OFFSIM_HAVE_MPI)" = OFF ] && ok "MPI with a missing compiler wrapper reported absent" ||
  fail "OFFSIM_HAVE_MPI is '$(cached half OFFSIM_HAVE_MPI)'"
! grep -q "CMake Error" "$tmp/half.log" && ok "no CMake error" ||
  { fail "CMake errors:"; grep -A5 "CMake Error" "$tmp/half.log"; }

# Absent altogether: a plain status line, no warning.
if configure absent -DCMAKE_DISABLE_FIND_PACKAGE_ns3=ON -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON; then
  ok "configure without ns-3 and MPI succeeds"
else
  fail "configure without ns-3 and MPI failed:"; cat "$tmp/absent.log"
fi
grep -q "ns-3 not found (run scripts/setup.sh: it installs libns3-dev" "$tmp/absent.log" &&
  ok "ns-3 absent: says what to run" ||
  { fail "no 'ns-3 not found' line:"; cat "$tmp/absent.log"; }
[ "$(cached absent OFFSIM_HAVE_NS3)" = OFF ] && [ "$(cached absent OFFSIM_HAVE_MPI)" = OFF ] &&
  ok "both off" || fail "ns-3 '$(cached absent OFFSIM_HAVE_NS3)', MPI '$(cached absent OFFSIM_HAVE_MPI)'"

finish
