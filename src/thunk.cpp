// thunk's opt-in separately compiled part ({fmt}-style): compile this file
// once, with THUNK_SEPARATE_COMPILATION=1 defined here and in every TU that
// includes thunk's headers (CMake: link thunk::compiled, which does both).
// The headers then only declare the slow paths (THUNK_DETAIL_OUTLINE in
// config.hpp); this file gives their one definition. Compile it with the
// flags of the program or library it goes into (thunk::compiled adds it to
// each target that links it): the ABI namespace records the configuration
// (exceptions, JIT, TLS model), so a mismatch is a link error, not a bug.
#ifndef THUNK_SEPARATE_COMPILATION
#  define THUNK_SEPARATE_COMPILATION 1
#endif
#define THUNK_IMPLEMENTATION 1

#include <thunk/thunk.hpp>
