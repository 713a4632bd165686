#include <thunk/thunk.hpp>
