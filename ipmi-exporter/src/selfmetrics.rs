//! `ipmirs_exporter_*`: the exporter's own metrics, shown on `/metrics`.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::collector::CollectorName;

/// `{collector="NAME"}`.
type CollectorLabel = Vec<(&'static str, &'static str)>;

/// The exporter's counters and gauges; clones share the values.
#[derive(Clone, Debug)]
pub struct SelfMetrics {
    /// Collections running now (at most one per target and module).
    pub in_flight: Gauge,
    /// RMCP+ sessions and device handles held open.
    pub open_sessions: Gauge,
    collection_duration: Family<CollectorLabel, Histogram, fn() -> Histogram>,
    deadline_hits: Family<CollectorLabel, Counter>,
}

impl Default for SelfMetrics {
    fn default() -> SelfMetrics {
        SelfMetrics {
            in_flight: Gauge::default(),
            open_sessions: Gauge::default(),
            // 5 ms .. ~20 s: a loopback command to a hung BMC's deadline.
            collection_duration: Family::new_with_constructor(|| {
                Histogram::new(exponential_buckets(0.005, 2.0, 13))
            }),
            deadline_hits: Family::default(),
        }
    }
}

impl SelfMetrics {
    /// Records how long collector `name` ran.
    pub fn observe_collection(&self, name: CollectorName, seconds: f64) {
        self.collection_duration
            .get_or_create(&vec![("collector", name.as_str())])
            .observe(seconds);
    }

    /// Counts a collector that did not finish within its collection's deadline.
    pub fn deadline_hit(&self, name: CollectorName) {
        self.deadline_hits
            .get_or_create(&vec![("collector", name.as_str())])
            .inc();
    }

    /// Adds these metrics to `registry`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "ipmirs_exporter_collections_in_flight",
            "Collections running now, at most one per target and module",
            self.in_flight.clone(),
        );
        registry.register(
            "ipmirs_exporter_open_sessions",
            "RMCP+ sessions and in-band device handles held open",
            self.open_sessions.clone(),
        );
        registry.register(
            "ipmirs_exporter_collection_duration_seconds",
            "Time one collector took within a collection",
            self.collection_duration.clone(),
        );
        registry.register(
            "ipmirs_exporter_deadline_hits",
            "Collectors that did not finish within their collection's deadline",
            self.deadline_hits.clone(),
        );
    }
}
