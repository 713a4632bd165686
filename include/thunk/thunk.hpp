// thunk — C++ callables as plain C function pointers.
//
// The umbrella header: every tier. Each concept also has its own header:
//   thunk/signature.hpp        what a C callback type says
//   thunk/context_slot.hpp     which parameter carries the user data
//   thunk/stateless.hpp        thunk::stateless<P>(f)
//   thunk/context.hpp          thunk::with_context<P>(f)
//   thunk/call.hpp             thunk::call(api, f, ...)  (included by context.hpp)
//   thunk/bindable.hpp         thunk::is_bindable_v<P, F>: what closure<P> accepts
//   thunk/closure.hpp          thunk::closure<P>            (run-time thunks)
//   thunk/static_closure.hpp   thunk::static_closure<P, N>  (no run-time code)
//   thunk/typed_static_closure.hpp  thunk::typed_static_closure<P, F, N> (a pool typed by the callable)
//   thunk/scoped_registration.hpp  register/unregister pairs (SetTimer/KillTimer)
#ifndef THUNK_THUNK_HPP
#define THUNK_THUNK_HPP

#include "bindable.hpp"
#include "call.hpp"
#include "calling_convention.hpp"
#include "closure.hpp"
#include "config.hpp"
#include "context.hpp"
#include "context_slot.hpp"
#include "error.hpp"
#include "exception_policy.hpp"
#include "scoped_registration.hpp"
#include "signature.hpp"
#include "stateless.hpp"
#include "static_closure.hpp"
#include "typed_static_closure.hpp"
#include "version.hpp"

#endif
