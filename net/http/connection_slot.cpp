// The count behind net/http/connection_slot.hpp: the listener's counter,
// checked against max_connections, and the gauge that metrics report.
#include "net/http/connection_slot.hpp"

#include <utility>

#include "core/metrics.hpp"

namespace sb {

connection_slot::connection_slot(std::shared_ptr<std::atomic<size_t>> count)
  : count_(std::move(count)) {
  count_->fetch_add(1);
  metrics::daemon().http_connections.inc();
}

connection_slot::~connection_slot() {
  if (!count_)
    return;
  count_->fetch_sub(1);
  metrics::daemon().http_connections.dec();
}

} // namespace sb
