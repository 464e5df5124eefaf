//! Samples → OpenMetrics text through prometheus-client.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::metric::Sample;

/// The content type of `render`'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

type GaugeFamily = Family<Vec<(&'static str, String)>, Gauge<f64, AtomicU64>>;

/// Encodes `samples` (grouped into families by name) plus whatever
/// `extra` registers.
pub fn render(samples: &[Sample], extra: impl FnOnce(&mut Registry)) -> String {
    let mut families: BTreeMap<&'static str, (&'static str, GaugeFamily)> = BTreeMap::new();
    for s in samples {
        let (_, family) = families
            .entry(s.family.name)
            .or_insert_with(|| (s.family.help, GaugeFamily::default()));
        family.get_or_create(&s.labels).set(s.value);
    }
    let mut registry = Registry::default();
    for (name, (help, family)) in families {
        // prometheus-client ends every help text with a period itself.
        registry.register(name, help.strip_suffix('.').unwrap_or(help), family);
    }
    extra(&mut registry);
    let mut text = String::new();
    encode(&mut text, &registry).expect("writing to a String cannot fail");
    text
}
