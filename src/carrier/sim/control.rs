//! `/sim/*`: drive and inspect the simulator from another process. No authentication: the
//! simulator is a loopback testing tool.

use super::faults::Faults;
use super::json::{json_response, sim_message_json};
use super::state::SimState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::Arc;

/// Replaces the faults with the body's (fields left out take their defaults).
pub(super) async fn set_faults(State(sim): State<Arc<SimState>>, body: Bytes) -> Response {
    let parsed = serde_json::from_slice::<Value>(&body)
        .map_err(|e| e.to_string())
        .and_then(|v| Faults::from_json(&v));
    match parsed {
        Ok(faults) => {
            sim.set_faults(faults);
            json_response(StatusCode::OK, &faults.to_json())
        }
        Err(e) => json_response(StatusCode::BAD_REQUEST, &json!({ "error": e })),
    }
}

pub(super) async fn get_faults(State(sim): State<Arc<SimState>>) -> Response {
    json_response(StatusCode::OK, &sim.faults().to_json())
}

/// Every stored message, oldest first.
pub(super) async fn messages(State(sim): State<Arc<SimState>>) -> Response {
    let all = sim.store().all();
    let body: Vec<Value> = all.iter().map(sim_message_json).collect();
    json_response(StatusCode::OK, &Value::Array(body))
}

pub(super) async fn stats(State(sim): State<Arc<SimState>>) -> Response {
    json_response(StatusCode::OK, &sim.counters.snapshot().to_json())
}
