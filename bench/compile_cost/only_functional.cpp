#include <functional>
