#pragma once

// The embedding API for CAF users (actors/runtime.hpp is the API for
// everyone, and includes no CAF header): register handler actors, listen
// to events with an actor, and reach the runtime's actor system and actors
// to talk to them directly.
//
//   auto hook = jobrt::runtime_caf::system(rt).spawn(webhook_behavior);
//   jobrt::runtime_caf::handle(rt, "webhook", hook);

#include "jobrt/actors/runtime.hpp"
#include "jobrt/messages/interfaces.hpp"

#include <caf/fwd.hpp>

#include <string>

namespace jobrt {

struct runtime_caf {
  /// Where the runtime's actors run; handler actors are spawned here.
  static caf::actor_system& system(runtime& rt);
  /// Valid once started.
  static supervisor_actor supervisor(const runtime& rt);
  static timer_actor timer(const runtime& rt);

  /// Before start(). `handler` is typically spawned with system(rt).spawn;
  /// the runtime owns it from now on and stops it at shutdown. It must
  /// answer `stop` promptly; an attempt it never answers ends at its
  /// timeout.
  static config_check handle(runtime& rt, std::string type,
                             handler_actor handler,
                             job_type_options options = {});

  /// `listener` receives every event batch, in order.
  static result<void, request_error> subscribe(runtime& rt,
                                               event_listener listener);
};

} // namespace jobrt
