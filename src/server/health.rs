//! `/health` (the process answers; also the benchmark baseline) and `/ready` (the store answers).

use super::{AppState, FixedRoutes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

pub fn routes() -> FixedRoutes {
    vec![
        ("/health".into(), get(|| async { "OK" })),
        ("/ready".into(), get(ready)),
    ]
}

async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "READY"),
        Err(e) => {
            tracing::warn!(error = %e, "store is not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "NOT READY")
        }
    }
}
