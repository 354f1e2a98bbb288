#include "jobrt/actors/circuit_breaker.hpp"
