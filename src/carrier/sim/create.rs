//! `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, with the faults injected here.

use super::callbacks;
use super::conn::ConnReset;
use super::faults::{Fault, Faults};
use super::json::{TwilioError, json_response, message_json};
use super::state::SimState;
use super::stats::bump;
use super::validate::{self, NewMessage};
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

pub(super) async fn create(
    State(sim): State<Arc<SimState>>,
    Path(account): Path<String>,
    Extension(conn): Extension<ConnReset>,
    uri: Uri,
    headers: HeaderMap,
    form: Bytes,
) -> Response {
    bump(&sim.counters.create_requests);
    let faults = sim.faults();
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let checked = sim
        .authorize(&headers, &account, uri.path())
        .and_then(|()| validate::parse(&form));
    match checked {
        Ok(new) => answer(&sim, faults, new, &conn).await,
        Err(e) => {
            bump(&sim.counters.rejected);
            e.into_response()
        }
    }
}

async fn answer(
    sim: &Arc<SimState>,
    faults: Faults,
    new: NewMessage,
    conn: &ConnReset,
) -> Response {
    let counters = &sim.counters;
    match faults.pick_fault(fastrand::f64()) {
        Fault::None => created(sim, new),
        Fault::TooManyRequests => {
            bump(&counters.faults_429);
            too_many_requests(faults.retry_after_secs)
        }
        Fault::ServerError => {
            bump(&counters.faults_500);
            server_error()
        }
        Fault::Timeout => {
            bump(&counters.faults_timeout);
            let response = created(sim, new);
            tokio::time::sleep(faults.timeout).await;
            response
        }
        Fault::Reset => {
            bump(&counters.faults_reset);
            created(sim, new);
            hang_up(conn).await
        }
        Fault::Drop => {
            bump(&counters.faults_drop);
            hang_up(conn).await
        }
    }
}

/// Stores the message, starts its life, and answers 201.
fn created(sim: &Arc<SimState>, new: NewMessage) -> Response {
    let (index, message, outcome) = sim.insert(new);
    callbacks::start(sim.clone(), index, outcome);
    json_response(StatusCode::CREATED, &message_json(&message))
}

/// Never answers: the connection is reset, and this future dropped with it.
async fn hang_up(conn: &ConnReset) -> Response {
    conn.reset();
    std::future::pending().await
}

fn too_many_requests(retry_after_secs: u64) -> Response {
    let mut response =
        TwilioError::new(StatusCode::TOO_MANY_REQUESTS, 20429, "Too Many Requests").into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    response
}

fn server_error() -> Response {
    TwilioError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        20500,
        "An internal server error has occurred",
    )
    .into_response()
}
