//! `/health` (the process answers; also the benchmark baseline) and `/ready` (the store answers).

use super::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(|| async { "OK" }))
        .route("/ready", get(ready))
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
