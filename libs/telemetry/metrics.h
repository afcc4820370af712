#pragma once

// A service's Prometheus metrics: counters and histograms updated as work happens (calls, commits,
// timers), and gauges computed when /metrics is read (backlogs, lags, the office's own figures),
// served over HTTP by the exposer of prometheus-cpp.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace prometheus {
class Exposer;
}

namespace zs::telemetry {

// One value of a gauge family computed at scrape time.
struct Sample {
  std::map<std::string, std::string> labels;
  double value = 0;
};
// Computes a gauge family's values; called on the exposer's thread at every scrape, so it must be
// quick and thread-safe. An empty result leaves the family out of that scrape.
using GaugeFn = std::function<std::vector<Sample>()>;

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Serves GET /metrics on `listen` ("host:port"; port 0 picks a free one). Error when it cannot
  // bind. Call once.
  absl::Status Serve(const std::string& listen);
  // Stops serving (waits for a scrape in progress); the metrics stay usable.
  void Stop();
  // The bound port (0 before Serve).
  int port() const;

  prometheus::Registry& registry() { return *registry_; }

  // A finished RPC: counts zs_rpc_requests_total{method,code} and observes
  // zs_rpc_duration_seconds{method,code}.
  void ObserveRpc(const std::string& method, const std::string& code, double seconds);

  // A gauge family computed at each scrape. Register before Serve or at any time after.
  void AddGauge(std::string name, std::string help, GaugeFn fn);

  // Buckets for durations from 100 µs to 10 s.
  static const prometheus::Histogram::BucketBoundaries& LatencyBuckets();

 private:
  class ComputedGauges;
  struct RpcSeries {
    prometheus::Counter* count;
    prometheus::Histogram* duration;
  };

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<ComputedGauges> computed_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Family<prometheus::Counter>& rpc_count_;
  prometheus::Family<prometheus::Histogram>& rpc_duration_;
  absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, RpcSeries> rpc_ ABSL_GUARDED_BY(mu_);
};

}  // namespace zs::telemetry
