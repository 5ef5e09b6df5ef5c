//! The HTTP server: the axum router (one module per resource), authentication, the delivery
//! worker and graceful shutdown.

mod auth_routes;
pub mod credentials;
mod extract;
mod health;
mod messages;
mod throttle;
mod worker;

pub use worker::DeliveryWorker;

use crate::carrier::Carrier;
use crate::error::Error;
use crate::store::Store;
use crate::wire::encode_replies;
use axum::Router;
use axum::middleware;
use credentials::Authenticator;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub auth: Arc<Authenticator>,
}

/// Every route evo serves.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(messages::router())
        .merge(auth_routes::router())
        .fallback(|| async { Error::NotFound("Handler for Request not found".to_owned()) })
        .layer(middleware::from_fn(encode_replies));
    api.merge(health::router())
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::new())
        .with_state(state)
}

/// Serves on an already-bound listener until `shutdown` resolves, then stops accepting, lets
/// in-flight requests finish, stops the worker and flushes the store.
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn Store>,
    carrier: Arc<dyn Carrier>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = AppState {
        auth: Arc::new(Authenticator::new(store.clone())),
        store: store.clone(),
    };
    let (stop_worker, stop_rx) = watch::channel(false);
    let worker = tokio::spawn(DeliveryWorker::new(store.clone(), carrier).run(stop_rx));
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop_worker.send(true);
    let _ = worker.await;
    store.shutdown().await;
    served?;
    Ok(())
}
