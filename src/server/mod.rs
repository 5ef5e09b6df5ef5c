//! The HTTP server: the axum router (one module per resource), authentication, the delivery
//! worker and graceful shutdown.

mod auth_routes;
mod codegen;
pub mod credentials;
pub mod delivery;
mod health;
mod listen;
mod messages;
mod metadata;
mod metadata_pages;
mod metrics;
mod openapi;
pub mod operation;
mod opt_outs;
mod rewrite;
mod sessions;
mod throttle;
mod webhooks;

pub use delivery::{DeliveryConfig, DeliveryWorker};
pub use operation::{Access, Call, Operation, Route, Verb};

use crate::carrier::Carrier;
use crate::clock::SharedClock;
use crate::error::Error;
use crate::store::Store;
use crate::wire::encode_replies;
use axum::Router;
use axum::middleware;
use axum::routing::MethodRouter;
use credentials::Authenticator;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::Layer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub auth: Arc<Authenticator>,
    pub operations: Arc<operation::Registry>,
    pub carrier: Arc<dyn Carrier>,
    /// The externally visible base URL (webhook signatures are computed over it).
    pub public_url: Arc<str>,
    pub clock: SharedClock,
}

/// Routes outside the operation registry, each path beside its handler. The router is built
/// from these tables and the route rewriting reads their paths, so no path is routed unlisted.
type FixedRoutes = Vec<(String, MethodRouter<AppState>)>;

/// Health, metrics, the API's descriptions and the carrier webhooks.
fn fixed_routes() -> FixedRoutes {
    [
        health::routes(),
        metadata::routes(),
        metadata_pages::routes(),
        metrics::routes(),
        webhooks::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The paths of `fixed_routes`, for the route rewriting (R2).
fn fixed_paths() -> Vec<String> {
    fixed_routes().into_iter().map(|(path, _)| path).collect()
}

/// The routes of `ops` (custom and predefined) and the fixed ones.
fn all_routes(ops: &[&'static Operation]) -> Router<AppState> {
    fixed_routes()
        .into_iter()
        .fold(operation::routes(ops), |router, (path, methods)| {
            router.route(&path, methods)
        })
}

/// Every operation evo serves.
pub fn operations() -> Vec<&'static Operation> {
    vec![
        &messages::SEND_MESSAGE,
        &messages::LIST_MESSAGES,
        &messages::LIST_CONVERSATIONS,
        &messages::GET_MESSAGE_DELIVERY,
        &messages::PATCH_MESSAGE,
        &messages::PATCH_CONVERSATION,
        &sessions::LIST_SESSIONS,
        &sessions::GET_MY_SESSIONS,
        &sessions::GET_ACTIVE_SESSIONS,
        &sessions::GET_SESSION,
        &sessions::END_SESSION,
        &sessions::GET_CHAT_TRANSCRIPT,
        &auth_routes::AUTHENTICATE,
        &auth_routes::GET_AUTH_STATUS,
        &opt_outs::LIST_OPT_OUTS,
        &opt_outs::DELETE_OPT_OUT,
    ]
}

/// The routes of `ops` (custom and predefined) and the health checks, every answer encoded in
/// the negotiated format — a panic included.
pub fn router(state: AppState, ops: &[&'static Operation]) -> Router {
    all_routes(ops)
        .fallback(|| async { Error::NotFound("Handler for Request not found".to_owned()) })
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn(encode_replies))
        .layer(
            // The span names the path only: a query string may carry credentials.
            TraceLayer::new_for_http().make_span_with(|req: &axum::extract::Request| {
                tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
            }),
        )
        .with_state(state)
}

/// `http://{listening address}`; a wildcard address becomes loopback (a carrier cannot call
/// `0.0.0.0`), with a warning that `--public-url` should be set.
fn default_public_url(addr: Option<std::net::SocketAddr>) -> String {
    let Some(mut addr) = addr else {
        return "http://127.0.0.1".to_owned();
    };
    if addr.ip().is_unspecified() {
        tracing::warn!(%addr, "listening on every interface without --public-url: status callbacks and webhook signatures assume http://127.0.0.1; set --public-url to the address the carrier calls");
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    format!("http://{addr}")
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    Error::Internal(anyhow::anyhow!("a request handler panicked")).into_response()
}

/// Serves on an already-bound listener until `shutdown` resolves, then stops accepting, lets
/// in-flight requests finish, stops the worker and flushes the store.
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn Store>,
    carrier: Arc<dyn Carrier>,
    delivery: DeliveryConfig,
    clock: SharedClock,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_operations(
        listener,
        store,
        carrier,
        delivery,
        clock,
        operations(),
        shutdown,
    )
    .await
}

/// `serve` with an explicit operation list (tests register throw-away operations this way).
pub async fn serve_operations(
    listener: TcpListener,
    store: Arc<dyn Store>,
    carrier: Arc<dyn Carrier>,
    mut delivery: DeliveryConfig,
    clock: SharedClock,
    ops: Vec<&'static Operation>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    metrics::handle();
    // Without a configured public URL, callbacks come straight to the listening address.
    let public_url = delivery
        .public_url
        .get_or_insert_with(|| default_public_url(listener.local_addr().ok()))
        .clone();
    let state = AppState {
        auth: Arc::new(Authenticator::new(store.clone(), clock.clone())),
        store: store.clone(),
        operations: Arc::new(operation::Registry::new(ops.clone())),
        carrier: carrier.clone(),
        public_url: public_url.into(),
        clock: clock.clone(),
    };
    let (stop_worker, stop_rx) = watch::channel(false);
    let worker = delivery.worker.then(|| {
        let worker = DeliveryWorker::new(store.clone(), carrier, delivery, clock);
        tokio::spawn(worker.run(stop_rx))
    });
    // Rewriting (suffixes, verb overrides, case) must happen before routing, so it wraps the
    // router instead of being one of its layers.
    let templates = operation::route_templates(&ops, &fixed_paths());
    let literals = rewrite::Literals(Arc::new(rewrite::Templates::new(&templates)));
    let app = middleware::map_request(move |req| rewrite::rewrite(literals.clone(), req))
        .layer(router(state, &ops));
    listen::serve_connections(listener, app, shutdown).await;
    let _ = stop_worker.send(true);
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    store.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixed_path_is_routed_once_and_rewritten() {
        let paths = fixed_paths();
        let mut unique = paths.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), paths.len(), "{paths:?}");
        // One verb routed twice on a path (by a module and an operation) panics here.
        let ops = operations();
        let _ = all_routes(&ops);
        let templates = operation::route_templates(&ops, &paths);
        assert!(paths.iter().all(|p| templates.contains(p)));
    }

    #[test]
    fn a_wildcard_listen_address_defaults_the_public_url_to_loopback() {
        assert_eq!(
            default_public_url("0.0.0.0:5080".parse().ok()),
            "http://127.0.0.1:5080"
        );
        assert_eq!(
            default_public_url("127.0.0.1:41000".parse().ok()),
            "http://127.0.0.1:41000"
        );
    }
}
