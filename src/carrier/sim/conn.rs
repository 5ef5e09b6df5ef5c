//! The accept loop. It is our own (not `axum::serve`) because a handler must be able to end its
//! connection with a TCP reset and no response, which is what a carrier that crashed or a
//! middlebox that gave up looks like to the client.

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

/// In a request's extensions: asks the connection carrying it to be reset.
#[derive(Clone)]
pub(super) struct ConnReset(Arc<Notify>);

impl ConnReset {
    /// The handler should then never answer; its connection is torn down under it.
    pub fn reset(&self) {
        self.0.notify_one();
    }
}

pub(super) async fn serve(listener: TcpListener, app: Router, mut shutdown: watch::Receiver<bool>) {
    let http = hyper::server::conn::http1::Builder::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "carrier-sim: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stopped(&mut shutdown) => break,
        };
        tokio::spawn(connection(
            http.clone(),
            stream,
            app.clone(),
            shutdown.clone(),
        ));
    }
}

async fn connection(
    http: hyper::server::conn::http1::Builder,
    stream: TcpStream,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let (stream, control) = match with_control(stream) {
        Ok(pair) => pair,
        Err(e) => {
            tracing::debug!(error = %e, "carrier-sim: cannot prepare a connection");
            return;
        }
    };
    let reset = Arc::new(Notify::new());
    let handle = ConnReset(reset.clone());
    let service = app.map_request(move |req: Request<Incoming>| {
        let mut req = req.map(axum::body::Body::new);
        req.extensions_mut().insert(handle.clone());
        req
    });
    let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    tokio::select! {
        result = conn => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "carrier-sim: connection ended with an error");
            }
        }
        () = reset.notified() => abort(control),
        () = stopped(&mut shutdown) => {}
    }
}

/// The stream for hyper, and a second descriptor of the same socket kept here so that the
/// socket's options can still be changed once hyper owns the stream.
fn with_control(stream: TcpStream) -> std::io::Result<(TcpStream, std::net::TcpStream)> {
    let std_stream = stream.into_std()?;
    let control = std_stream.try_clone()?;
    Ok((TcpStream::from_std(std_stream)?, control))
}

/// With a zero linger, closing the socket's last descriptor sends RST instead of FIN; the other
/// descriptor (hyper's) closes when the connection future is dropped right after.
fn abort(control: std::net::TcpStream) {
    if let Err(e) = TcpSocket::from_std_stream(control).set_zero_linger() {
        tracing::debug!(error = %e, "carrier-sim: cannot set a zero linger");
    }
}

/// Resolves once the simulator is told to stop, or its handle is gone.
pub(super) async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns must not live across an await, so it is dropped here.
    let _ = shutdown.wait_for(|&stop| stop).await.map(drop);
}
