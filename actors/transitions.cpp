#include "jobrt/actors/transitions.hpp"
