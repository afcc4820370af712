#include "telemetry/metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

#include <exception>

namespace zs::telemetry {

class Metrics::ComputedGauges final : public prometheus::Collectable {
 public:
  void Add(std::string name, std::string help, GaugeFn fn) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    gauges_.push_back({std::move(name), std::move(help), std::move(fn)});
  }

  std::vector<prometheus::MetricFamily> Collect() const override ABSL_LOCKS_EXCLUDED(mu_) {
    std::vector<Gauge> gauges;
    {
      absl::MutexLock lock(&mu_);
      gauges = gauges_;
    }
    std::vector<prometheus::MetricFamily> out;
    for (const auto& g : gauges) {
      prometheus::MetricFamily family;
      family.name = g.name;
      family.help = g.help;
      family.type = prometheus::MetricType::Gauge;
      for (const auto& s : g.fn()) {
        prometheus::ClientMetric m;
        for (const auto& [k, v] : s.labels) m.label.push_back({k, v});
        m.gauge.value = s.value;
        family.metric.push_back(std::move(m));
      }
      if (!family.metric.empty()) out.push_back(std::move(family));
    }
    return out;
  }

 private:
  struct Gauge {
    std::string name, help;
    GaugeFn fn;
  };
  mutable absl::Mutex mu_;
  std::vector<Gauge> gauges_ ABSL_GUARDED_BY(mu_);
};

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      computed_(std::make_shared<ComputedGauges>()),
      rpc_count_(prometheus::BuildCounter()
                     .Name("zs_rpc_requests_total")
                     .Help("gRPC calls served, by full method name and status code")
                     .Register(*registry_)),
      rpc_duration_(prometheus::BuildHistogram()
                        .Name("zs_rpc_duration_seconds")
                        .Help("Time from a call's arrival to its status, by method and code")
                        .Register(*registry_)) {}

Metrics::~Metrics() {
  exposer_.reset();  // stops serving before the registry and gauges go
}

const prometheus::Histogram::BucketBoundaries& Metrics::LatencyBuckets() {
  static const auto* b = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
  return *b;
}

absl::Status Metrics::Serve(const std::string& listen) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(listen, 1);
  } catch (const std::exception& e) {
    return absl::UnavailableError("metrics: cannot listen on " + listen + ": " + e.what());
  }
  exposer_->RegisterCollectable(registry_);
  exposer_->RegisterCollectable(computed_);
  return absl::OkStatus();
}

void Metrics::Stop() { exposer_.reset(); }

int Metrics::port() const {
  if (!exposer_) return 0;
  const auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

void Metrics::ObserveRpc(const std::string& method, const std::string& code, double seconds) {
  RpcSeries series;
  {
    absl::MutexLock lock(&mu_);
    auto it = rpc_.find({method, code});
    if (it == rpc_.end()) {
      const prometheus::Labels labels{{"method", method}, {"code", code}};
      it = rpc_.emplace(
                   std::make_pair(method, code),
                   RpcSeries{&rpc_count_.Add(labels), &rpc_duration_.Add(labels, LatencyBuckets())})
               .first;
    }
    series = it->second;
  }
  series.count->Increment();
  series.duration->Observe(seconds);
}

void Metrics::AddGauge(std::string name, std::string help, GaugeFn fn) {
  computed_->Add(std::move(name), std::move(help), std::move(fn));
}

}  // namespace zs::telemetry
