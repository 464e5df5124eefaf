//! The HTTP side: `/metrics`, `/ipmi`, `/-/reload` and the landing page,
//! with the Go exporter's status codes and bodies.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use ipmi_core::Deadline;

use crate::collector::CollectorName;
use crate::config::{Config, Module, DEFAULT_MODULE, DEFAULT_TIMEOUT};
use crate::exposition::{render, CONTENT_TYPE};
use crate::flight::{Flights, Progress};
use crate::link::Target;
use crate::metric::{Sample, SCRAPE_DURATION, UP};
use crate::selfmetrics::SelfMetrics;

/// Prometheus' header giving the scrape timeout in seconds.
pub const SCRAPE_TIMEOUT_HEADER: &str = "x-prometheus-scrape-timeout-seconds";

/// What the handlers share.
pub struct App {
    /// The configuration in force.
    pub config: RwLock<Arc<Config>>,
    /// Where it is reloaded from.
    pub config_path: Option<PathBuf>,
    /// Subtracted from Prometheus' scrape timeout.
    pub deadline_offset: Duration,
    /// The collections.
    pub flights: Arc<Flights>,
    /// Self-metrics.
    pub metrics: SelfMetrics,
}

impl App {
    /// Re-reads the configuration file; on error the old one stays.
    pub fn reload(&self) -> Result<(), crate::config::ConfigError> {
        let config = Config::load(self.config_path.as_deref())?;
        if let Some(warning) = config.ignored_options() {
            tracing::warn!("{warning}");
        }
        *self.config.write().unwrap() = Arc::new(config);
        Ok(())
    }

    fn config(&self) -> Arc<Config> {
        self.config.read().unwrap().clone()
    }
}

/// The router over `app`.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        // Any method, like the Go exporter's handlers.
        .route("/metrics", any(local))
        .route("/ipmi", any(remote))
        .route("/-/reload", any(reload))
        .fallback(landing)
        .with_state(app)
}

/// The budget of one scrape: Prometheus' timeout minus the offset (the
/// whole timeout if the offset would eat it), else the module's timeout,
/// else [`DEFAULT_TIMEOUT`].
pub fn scrape_budget(headers: &HeaderMap, offset: Duration, module: &Module) -> Duration {
    let header = headers
        .get(SCRAPE_TIMEOUT_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok());
    match header {
        Some(t) if t > offset => t - offset,
        Some(t) => t,
        None => module.timeout().unwrap_or(DEFAULT_TIMEOUT),
    }
}

async fn local(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let start = Instant::now();
    let module = Arc::new(app.config().local_module());
    let deadline = Deadline::after(start, scrape_budget(&headers, app.deadline_offset, &module));
    let progress = app
        .flights
        .scrape(Target::Local, DEFAULT_MODULE, module.clone(), deadline)
        .await;
    let samples = answer(&module, &progress, start);
    exposition(render(&samples, |r| app.metrics.register(r)))
}

async fn remote(
    State(app): State<Arc<App>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let start = Instant::now();
    let Some(target) = query.get("target").filter(|t| !t.is_empty()) else {
        return text(
            StatusCode::BAD_REQUEST,
            "'target' parameter must be specified",
        );
    };
    let name = query
        .get("module")
        .filter(|m| !m.is_empty())
        .map_or(DEFAULT_MODULE, String::as_str);
    let Some(module) = app.config().modules.get(name).cloned() else {
        return text(StatusCode::BAD_REQUEST, &format!("Unknown module {name:?}"));
    };
    let module = Arc::new(module);
    let deadline = Deadline::after(start, scrape_budget(&headers, app.deadline_offset, &module));
    let progress = app
        .flights
        .scrape(
            Target::Remote(target.clone()),
            name,
            module.clone(),
            deadline,
        )
        .await;
    let samples = answer(&module, &progress, start);
    exposition(render(&samples, |_| {}))
}

/// The module's collectors' samples and `ipmi_up` (0 for what did not
/// finish), then the scrape duration.
fn answer(module: &Module, progress: &Progress, start: Instant) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut seen: Vec<CollectorName> = Vec::new();
    for &name in &module.collectors {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        let up = match progress.get(name) {
            Some(outcome) => {
                samples.extend(outcome.samples.iter().cloned());
                outcome.up
            }
            None => false,
        };
        samples.push(Sample {
            family: &UP,
            labels: vec![("collector", name.as_str().to_string())],
            value: if up { 1.0 } else { 0.0 },
        });
    }
    samples.push(Sample::plain(
        &SCRAPE_DURATION,
        start.elapsed().as_secs_f64(),
    ));
    samples
}

async fn reload(State(app): State<Arc<App>>, method: Method) -> Response {
    if method != Method::POST {
        let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "Only POST requests allowed");
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return response;
    }
    match app.reload() {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("failed to reload config: {e}"),
        ),
    }
}

async fn landing() -> Html<&'static str> {
    Html(LANDING_PAGE)
}

const LANDING_PAGE: &str = r#"<!DOCTYPE html>
<html>
<head><title>IPMI Exporter</title></head>
<body>
<h1>IPMI Exporter</h1>
<form action="/ipmi">
<label>Target: <input type="text" name="target" placeholder="host[:port]"></label>
<label>Module: <input type="text" name="module" placeholder="default"></label>
<input type="submit" value="Scrape">
</form>
<p><a href="/metrics">Local metrics</a></p>
</body>
</html>
"#;

/// A plain-text error body with a trailing newline, as Go's `http.Error` writes.
fn text(status: StatusCode, body: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{body}\n"),
    )
        .into_response()
}

fn exposition(body: String) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(SCRAPE_TIMEOUT_HEADER, v.parse().unwrap());
        h
    }

    #[test]
    fn budget_is_the_header_minus_the_offset_else_the_module_timeout() {
        let offset = Duration::from_millis(500);
        let mut module = Module::default();
        assert_eq!(
            scrape_budget(&headers("2.5"), offset, &module),
            Duration::from_secs(2)
        );
        assert_eq!(
            scrape_budget(&headers("10"), offset, &module),
            Duration::from_millis(9500)
        );
        // An offset as large as the timeout would leave nothing: the whole timeout.
        assert_eq!(
            scrape_budget(&headers("0.3"), offset, &module),
            Duration::from_millis(300)
        );
        assert_eq!(
            scrape_budget(&HeaderMap::new(), offset, &module),
            DEFAULT_TIMEOUT
        );
        module.timeout = 4000;
        assert_eq!(
            scrape_budget(&HeaderMap::new(), offset, &module),
            Duration::from_secs(4)
        );
        for bad in ["", "abc", "-1", "0", "NaN", "inf"] {
            assert_eq!(
                scrape_budget(&headers(bad), offset, &module),
                Duration::from_secs(4),
                "{bad:?}"
            );
        }
    }
}
