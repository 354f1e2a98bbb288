#pragma once

// The atoms of jobrt's actor interfaces (CAF 0.17: at most 10 characters).
// Kept in one place so two interfaces never spell the same verb twice.

#include <caf/atom.hpp>

namespace jobrt::atoms {

using enqueue = caf::atom_constant<caf::atom("enqueue")>;
using get = caf::atom_constant<caf::atom("get")>;
using list = caf::atom_constant<caf::atom("list")>;
using stats = caf::atom_constant<caf::atom("stats")>;
using cancel = caf::atom_constant<caf::atom("cancel")>;
using requeue = caf::atom_constant<caf::atom("requeue")>;
using purge = caf::atom_constant<caf::atom("purge")>;
using subscribe = caf::atom_constant<caf::atom("subscribe")>;
using shutdown = caf::atom_constant<caf::atom("shutdown")>;
using run = caf::atom_constant<caf::atom("run")>;
using stop = caf::atom_constant<caf::atom("stop")>;
using results = caf::atom_constant<caf::atom("results")>;
using fired = caf::atom_constant<caf::atom("fired")>;
using listen = caf::atom_constant<caf::atom("listen")>;
using tick = caf::atom_constant<caf::atom("tick")>;
using report = caf::atom_constant<caf::atom("report")>;
using breakers = caf::atom_constant<caf::atom("breakers")>;
using grace = caf::atom_constant<caf::atom("grace")>;
using commit = caf::atom_constant<caf::atom("commit")>;
using committed = caf::atom_constant<caf::atom("committed")>;
using flush = caf::atom_constant<caf::atom("flush")>;
using recommit = caf::atom_constant<caf::atom("recommit")>;
using prune = caf::atom_constant<caf::atom("prune")>;
using stage = caf::atom_constant<caf::atom("stage")>;
using poll = caf::atom_constant<caf::atom("poll")>;
/// A shared store heard that another process made jobs ready.
using wake = caf::atom_constant<caf::atom("wake")>;

} // namespace jobrt::atoms
