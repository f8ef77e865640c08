# embed.cmake - write the gnuplot templates scripts/plot-KIND.gp into a C
# file as NUL-terminated byte arrays, so offsim carries them wherever it is
# installed.   cmake -DOUT=plot_templates.c -DDIR=scripts -P embed.cmake
file(GLOB templates "${DIR}/plot-*.gp")
set(body "/* Generated from ${DIR}/plot-*.gp by scripts/embed.cmake; do not edit. */\n")
string(APPEND body "#include <stddef.h>\n#include <string.h>\n")
set(table "")
foreach(t ${templates})
  get_filename_component(name ${t} NAME_WE)
  string(REPLACE "plot-" "" kind ${name})
  file(READ ${t} hex HEX)
  string(REGEX REPLACE "(..)" "0x\\1," bytes "${hex}")
  string(APPEND body "static const unsigned char tpl_${kind}[] = {${bytes}0};\n")
  string(APPEND table "    {\"${kind}\", (const char *)tpl_${kind}},\n")
endforeach()
string(APPEND body "static const struct { const char *kind; const char *text; } tpl[] = {\n${table}};\n")
string(APPEND body "const char *plot_template(const char *kind)\n{\n"
                   "    for (size_t i = 0; i < sizeof tpl / sizeof *tpl; i++)\n"
                   "        if (strcmp(tpl[i].kind, kind) == 0)\n"
                   "            return tpl[i].text;\n"
                   "    return NULL;\n}\n")
file(WRITE ${OUT} "${body}")
