// Catch2 v2's main, compiled once per build tree.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
