# readme_keys.cmake - README.md's key table must be exactly what
# `offsim help scenario --markdown` prints (the parameter table is the one
# source).  Run as: cmake -DOFFSIM=... -DREADME=... -P readme_keys.cmake
execute_process(COMMAND ${OFFSIM} help scenario --markdown
                OUTPUT_VARIABLE keys RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "offsim help scenario --markdown failed (${rc})")
endif()
file(READ ${README} readme)
string(FIND "${readme}" "<!-- keys:begin -->\n" b)
string(FIND "${readme}" "<!-- keys:end -->" e)
if(b EQUAL -1 OR e EQUAL -1)
  message(FATAL_ERROR "README.md has no <!-- keys:begin --> / <!-- keys:end --> markers")
endif()
string(LENGTH "<!-- keys:begin -->\n" mlen)
math(EXPR b "${b} + ${mlen}")
math(EXPR len "${e} - ${b}")
string(SUBSTRING "${readme}" ${b} ${len} table)
if(NOT table STREQUAL keys)
  message(FATAL_ERROR "README.md's key table differs from `offsim help scenario --markdown`; "
                      "run scripts/readme-keys.sh")
endif()
