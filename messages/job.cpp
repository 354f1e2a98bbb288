#include "jobrt/messages/job.hpp"
