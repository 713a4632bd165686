// thunk — C++ callables as plain C function pointers.
//
// The umbrella header: every tier. Each concept also has its own header:
//   thunk/signature.hpp        what a C callback type says
//   thunk/context_slot.hpp     which parameter carries the user data
//   thunk/stateless.hpp        thunk::stateless<P>(f)
//   thunk/context.hpp          thunk::with_context<P>(f), thunk::call(api, f, ...)
//   thunk/closure.hpp          thunk::closure<P>            (run-time thunks)
//   thunk/static_closure.hpp   thunk::static_closure<P, N>  (no run-time code)
//   thunk/scoped_registration.hpp  register/unregister pairs (SetTimer/KillTimer)
#ifndef THUNK_THUNK_HPP
#define THUNK_THUNK_HPP

#include "config.hpp"
#include "version.hpp"
#include "calling_convention.hpp"
#include "error.hpp"
#include "exception_policy.hpp"
#include "signature.hpp"
#include "context_slot.hpp"
#include "context.hpp"
#include "stateless.hpp"
#include "closure.hpp"
#include "static_closure.hpp"
#include "scoped_registration.hpp"

#endif
