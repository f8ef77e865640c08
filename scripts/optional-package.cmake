# offsim_optional_package(VAR PACKAGE VERSION TARGETS t1 t2 ... [COMPONENTS c ...]
#                         [MISSING_HINTS path-regex package ...])
#
# Use an optional package only when it is whole.  The package is first found,
# and its targets generated, in a throwaway project (scripts/probe); when that
# succeeds, VAR (a cache entry) is ON and the caller calls find_package().  Otherwise VAR is
# OFF, the build goes on without the package, and a warning names the files
# that are missing and, through MISSING_HINTS (pairs of a path regex and a
# Debian package), the package to install.  A configure never fails because an
# optional package is half-installed.
function(offsim_optional_package var package version)
  cmake_parse_arguments(arg "" "" "TARGETS;COMPONENTS;MISSING_HINTS" ${ARGN})
  set(dir ${CMAKE_BINARY_DIR}/probe-${package})
  file(REMOVE_RECURSE ${dir})
  set(args -S ${PROJECT_SOURCE_DIR}/scripts/probe -B ${dir} -G ${CMAKE_GENERATOR}
           -DPROBE_PACKAGE=${package} -DPROBE_VERSION=${version})
  string(REPLACE ";" "\\;" targets "${arg_TARGETS}")
  list(APPEND args "-DPROBE_TARGETS=${targets}")
  if(arg_COMPONENTS)
    string(REPLACE ";" "\\;" components "${arg_COMPONENTS}")
    list(APPEND args "-DPROBE_COMPONENTS=${components}")
  endif()
  foreach(v CMAKE_PREFIX_PATH ${package}_DIR CMAKE_DISABLE_FIND_PACKAGE_${package}
            CMAKE_C_COMPILER CMAKE_CXX_COMPILER MPI_C_COMPILER)
    if(DEFINED ${v} AND NOT "${${v}}" STREQUAL "")
      string(REPLACE ";" "\\;" value "${${v}}")
      list(APPEND args "-D${v}=${value}")
    endif()
  endforeach()
  execute_process(COMMAND ${CMAKE_COMMAND} ${args}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  file(REMOVE_RECURSE ${dir})
  if(rc EQUAL 0)
    set(${var} ON CACHE INTERNAL "${package} is whole and used")
    return()
  endif()
  set(${var} OFF CACHE INTERNAL "${package} is absent or incomplete")

  # Missing files: those the probe found walking the targets, and those the
  # package's own import check names ("references the file "P" but this file
  # does not exist").
  string(REGEX MATCHALL "offsim-probe-missing: [^\n]*" lines "${out}")
  string(REGEX MATCHALL "references the file[ \n]*\"[^\"]*\"" more "${err}")
  list(APPEND lines ${more})
  set(why "")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^offsim-probe-missing: |^references the file[ \n]*\"|\"$" "" path "${line}")
    set(hint "")
    set(hints ${arg_MISSING_HINTS})
    while(hints)
      list(POP_FRONT hints regex pkg)
      if(path MATCHES "${regex}")
        set(hint " (from ${pkg})")
        break()
      endif()
    endwhile()
    string(APPEND why "\n  missing: ${path}${hint}")
  endforeach()
  if(out MATCHES "offsim-probe-absent")
    set(${var}_REASON "not installed" PARENT_SCOPE)
    return()
  endif()
  if(why STREQUAL "")
    # Neither absent nor a missing file: say what CMake said.
    string(REGEX MATCH "CMake Error[^\n]*\n([^\n]*\n)?[^\n]*" first "${err}")
    set(why "\n  ${first}")
  endif()
  set(${var}_REASON "incomplete:${why}" PARENT_SCOPE)
endfunction()
