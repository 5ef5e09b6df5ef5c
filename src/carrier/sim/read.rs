//! `GET …/Messages/{MessageSid}.json`.

use super::json::{TwilioError, json_response, message_json};
use super::state::SimState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

pub(super) async fn fetch(
    State(sim): State<Arc<SimState>>,
    Path((account, file)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(e) = sim.authorize(&headers, &account, uri.path()) {
        return e.into_response();
    }
    let sid = file.strip_suffix(".json").unwrap_or(&file);
    let body = sim.store().get(sid).map(message_json);
    match body {
        Some(body) => json_response(StatusCode::OK, &body),
        None => TwilioError::not_found(uri.path()).into_response(),
    }
}
