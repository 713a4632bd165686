// thunk — C++ callables as plain C function pointers.
// The only place the version is written; CMake reads it from here.
#ifndef THUNK_VERSION_HPP
#define THUNK_VERSION_HPP

#define THUNK_VERSION_MAJOR 0
#define THUNK_VERSION_MINOR 3
#define THUNK_VERSION_PATCH 0
/// major * 10000 + minor * 100 + patch, as {fmt} does.
#define THUNK_VERSION (THUNK_VERSION_MAJOR * 10000 + THUNK_VERSION_MINOR * 100 + THUNK_VERSION_PATCH)

#endif
