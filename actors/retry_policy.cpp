#include "jobrt/actors/retry_policy.hpp"
