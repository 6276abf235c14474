#include "exporters/prometheus/metrics.h"

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace lineaged::exporters {

struct Metrics::Impl {
  std::function<double()> stored_events;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& events =
      prometheus::BuildCounter()
          .Name("lineage_events_total")
          .Help("OpenLineage events received, by outcome")
          .Register(*registry);
  prometheus::Counter& accepted = events.Add({{"result", "accepted"}});
  prometheus::Counter& rejected = events.Add({{"result", "rejected"}});
  prometheus::Counter& duplicate = events.Add({{"result", "duplicate"}});
  prometheus::Gauge& store_events = prometheus::BuildGauge()
                                        .Name("lineage_store_events")
                                        .Help("Events held in the store")
                                        .Register(*registry)
                                        .Add({});
};

Metrics::Metrics(std::function<double()> stored_events) : impl_(std::make_unique<Impl>()) {
  impl_->stored_events = std::move(stored_events);
}

Metrics::~Metrics() = default;

void Metrics::CountEvent(std::string_view result) {
  if (result == "accepted") {
    impl_->accepted.Increment();
  } else if (result == "duplicate") {
    impl_->duplicate.Increment();
  } else {
    impl_->rejected.Increment();
  }
}

std::string Metrics::Render() const {
  if (impl_->stored_events) impl_->store_events.Set(impl_->stored_events());
  return prometheus::TextSerializer().Serialize(impl_->registry->Collect());
}

}  // namespace lineaged::exporters
