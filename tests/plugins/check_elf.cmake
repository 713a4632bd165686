# cmake -DREADELF=... -DFILE=plugin.so -P check_elf.cmake
# A plugin must have no STB_GNU_UNIQUE symbol (glibc never unloads those) and
# no static TLS (DF_STATIC_TLS: dlopen may fail for lack of it).
execute_process(COMMAND ${READELF} -Ws ${FILE} OUTPUT_VARIABLE syms RESULT_VARIABLE rc1)
execute_process(COMMAND ${READELF} -d ${FILE} OUTPUT_VARIABLE dyn RESULT_VARIABLE rc2)
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0)
  message(FATAL_ERROR "readelf failed on ${FILE}")
endif()
string(REGEX MATCHALL "[^\n]*UNIQUE[^\n]*" unique "${syms}")
list(LENGTH unique n_unique)
string(FIND "${dyn}" "STATIC_TLS" static_tls)
message("${FILE}: ${n_unique} UNIQUE symbols, static TLS flag: ${static_tls}")
if(n_unique GREATER 0)
  message(FATAL_ERROR "STB_GNU_UNIQUE symbols: ${unique}")
endif()
if(NOT static_tls EQUAL -1)
  message(FATAL_ERROR "DF_STATIC_TLS is set")
endif()
message("ELF check passed")
