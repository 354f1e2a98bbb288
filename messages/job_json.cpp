#include "jobrt/messages/job_json.hpp"
