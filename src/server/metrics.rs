//! Prometheus metrics at `/metrics`. Code anywhere counts with the `metrics` macros; the outbox
//! gauges are read from the store when scraped, so every node reports the shared queue.

use super::{AppState, FixedRoutes};
use crate::domain::Timestamp;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder once (several servers in one test process share it).
pub fn handle() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(handle) => Some(handle),
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder not installed");
                None
            }
        })
        .clone()
}

pub fn routes() -> FixedRoutes {
    vec![("/metrics".into(), get(render))]
}

async fn render(State(state): State<AppState>) -> impl IntoResponse {
    if let Ok(stats) = state.store.outbox_stats().await {
        metrics::gauge!("evo_outbox_depth").set(stats.depth as f64);
        let age = stats.oldest_created.map_or(0.0, |t| {
            (Timestamp::now().millis() - t.millis()).max(0) as f64 / 1000.0
        });
        metrics::gauge!("evo_outbox_oldest_age_seconds").set(age);
    }
    let text = handle().map(|h| h.render()).unwrap_or_default();
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
}
