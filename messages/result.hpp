#pragma once

// jobrt reports failure as typed values, never as exceptions across its API.
// Every fallible function returns `jobrt::result<T, E>` with an error type
// named for what went wrong.

#include <boost/outcome/result.hpp>
#include <boost/outcome/try.hpp>

namespace jobrt {

namespace outcome = BOOST_OUTCOME_V2_NAMESPACE;

template <class T, class E>
using result = outcome::result<T, E, outcome::policy::terminate>;

} // namespace jobrt
