//! `spawn_app()` and typed helpers shared by the API tests.

use crate::pg::PgDatabase;
use evo::carrier::SandboxCarrier;
use evo::clock::{self, SharedClock};
use evo::domain::{AccountId, AccountScope, CustomerId, PhoneNumber, Role, UserId};
use evo::server::DeliveryConfig;
use evo::service::auth::{hash_password, new_api_key, secret_hash};
use evo::store::{NewEndpoint, NewUser, PostgresStore, SqliteStore, Store};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub addr: SocketAddr,
    pub dir: TempDir,
    pub store: Arc<dyn Store>,
    /// The clock the server and its store read (the system clock unless a test moves time).
    pub clock: SharedClock,
    pub client: reqwest::Client,
    _stop: oneshot::Sender<()>,
    _pg: Option<PgDatabase>,
}

/// A tenant: one account with a User, a phone-number endpoint and an API key.
#[derive(Clone, Debug)]
pub struct Tenant {
    pub account: String,
    pub user: String,
    pub email: String,
    pub key: String,
    pub endpoint: String,
    /// The endpoint's phone number.
    pub number: String,
}

/// How a request authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Key(String),
    Basic(String, String),
    Header(&'static str, String),
}

static NEXT_NUMBER: AtomicU32 = AtomicU32::new(100);

/// A fresh fictional +1 555 number.
pub fn number() -> String {
    format!("+1555{:07}", NEXT_NUMBER.fetch_add(1, Ordering::Relaxed))
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(evo::server::operations()).await
}

/// A server with exactly these operations (tests add throw-away ones).
pub async fn spawn_app_with(ops: Vec<&'static evo::server::Operation>) -> TestApp {
    let carrier = Arc::new(SandboxCarrier);
    spawn_app_full(ops, carrier, DeliveryConfig::default(), clock::system()).await
}

/// A server with every operation, this carrier and these delivery settings, on this clock
/// (`evo::clock::system()`, or a `ManualClock` the test moves: validity, leases, backoff, grace).
pub async fn spawn_app_clocked(
    carrier: Arc<dyn evo::carrier::Carrier>,
    delivery: DeliveryConfig,
    clock: SharedClock,
) -> TestApp {
    spawn_app_full(evo::server::operations(), carrier, delivery, clock).await
}

/// A server with every operation and the sandbox carrier on a store the test opened.
pub async fn spawn_app_on(store: Arc<dyn Store>) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let carrier = Arc::new(SandboxCarrier);
    let ops = evo::server::operations();
    serve_app(
        ops,
        carrier,
        DeliveryConfig::default(),
        clock::system(),
        dir,
        store,
        None,
    )
    .await
}

async fn spawn_app_full(
    ops: Vec<&'static evo::server::Operation>,
    carrier: Arc<dyn evo::carrier::Carrier>,
    delivery: DeliveryConfig,
    clock: SharedClock,
) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, pg) = open_store(dir.path(), clock.clone()).await;
    serve_app(ops, carrier, delivery, clock, dir, store, pg).await
}

async fn serve_app(
    ops: Vec<&'static evo::server::Operation>,
    carrier: Arc<dyn evo::carrier::Carrier>,
    delivery: DeliveryConfig,
    clock: SharedClock,
    dir: TempDir,
    store: Arc<dyn Store>,
    pg: Option<PgDatabase>,
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let (served, served_clock) = (store.clone(), clock.clone());
    tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        evo::server::serve_operations(
            listener,
            served,
            carrier,
            delivery,
            served_clock,
            ops,
            shutdown,
        )
        .await
        .expect("server");
    });
    TestApp {
        addr,
        dir,
        store,
        clock,
        client: http_client(),
        _stop: stop,
        _pg: pg,
    }
}

/// The PostgreSQL databases of running test apps, by their data directory: `evo` commands a
/// test runs on an app's directory reach the app's own store (`store_args`).
static DATABASES: Mutex<BTreeMap<PathBuf, String>> = Mutex::new(BTreeMap::new());

/// Databases made for data directories that `evo` child processes use, kept until the test
/// process ends (`.ci/run` drops what is left of them).
static CHILD_DATABASES: Mutex<Vec<PgDatabase>> = Mutex::new(Vec::new());

fn on_postgres() -> bool {
    std::env::var("EVO_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// The PostgreSQL database that stands for data directory `dir` when the suite runs on
/// PostgreSQL: the app's own, or one made for `evo` commands run on a fresh directory.
pub fn store_url(dir: &Path) -> Option<String> {
    if !on_postgres() {
        return None;
    }
    let mut databases = DATABASES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(url) = databases.get(dir) {
        return (!url.is_empty()).then(|| url.clone());
    }
    // Called from plain and async tests alike: the database is made on a runtime of its own.
    let pg = std::thread::spawn(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(PgDatabase::create())
    })
    .join()
    .expect("create database")
    .expect("EVO_TEST_BACKEND=postgres needs a PostgreSQL server");
    let url = pg.url.clone();
    databases.insert(dir.to_owned(), url.clone());
    CHILD_DATABASES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(pg);
    Some(url)
}

/// Keeps data directory `dir` on SQLite whatever backend the suite runs on (a test of moving
/// from SQLite).
pub fn keep_on_sqlite(dir: &Path) {
    DATABASES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(dir.to_owned(), String::new());
}

/// The options that point an `evo` command at the store for data directory `dir`:
/// `--data-dir`, and `--database-url` when the suite runs on PostgreSQL.
pub fn store_args(dir: &Path) -> Vec<OsString> {
    let mut args = vec![OsString::from("--data-dir"), dir.as_os_str().to_owned()];
    if let Some(url) = store_url(dir) {
        args.extend([OsString::from("--database-url"), OsString::from(url)]);
    }
    args
}

/// The store a test app serves from: SQLite in `dir`, or with `EVO_TEST_BACKEND=postgres` a
/// fresh PostgreSQL database of the test's own (dropped with the app).
async fn open_store(dir: &Path, clock: SharedClock) -> (Arc<dyn Store>, Option<PgDatabase>) {
    if on_postgres() {
        let pg = PgDatabase::create()
            .await
            .expect("EVO_TEST_BACKEND=postgres needs a PostgreSQL server");
        DATABASES
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(dir.to_owned(), pg.url.clone());
        let store = PostgresStore::connect(&pg.url, clock)
            .await
            .expect("connect store");
        (Arc::new(store), Some(pg))
    } else {
        let store = SqliteStore::open_with_clock(dir, clock).expect("open store");
        (Arc::new(store), None)
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn account(&self, name: &str) -> String {
        self.store
            .create_account(name)
            .await
            .expect("account")
            .id
            .into_string()
    }

    pub async fn user(&self, account: &str, email: &str, roles: &[Role]) -> String {
        self.user_in(&[account], email, roles).await
    }

    pub async fn user_in(&self, accounts: &[&str], email: &str, roles: &[Role]) -> String {
        let user = NewUser {
            email: email.to_owned(),
            first_name: Some("Test".into()),
            last_name: Some("User".into()),
            password_hash: hash_password(PASSWORD).await.expect("hash"),
            roles: roles.to_vec(),
            accounts: accounts
                .iter()
                .map(|a| AccountId::from_string(*a))
                .collect(),
        };
        self.store
            .create_user(user)
            .await
            .expect("user")
            .id
            .into_string()
    }

    pub async fn api_key(&self, user: &str) -> String {
        let key = new_api_key().expect("key");
        self.store
            .create_api_key(&UserId::from_string(user), Some("test"), secret_hash(&key))
            .await
            .expect("api key");
        key
    }

    pub async fn endpoint(
        &self,
        account: &str,
        customer: Option<&str>,
        name: &str,
    ) -> (String, String) {
        let number = number();
        let endpoint = NewEndpoint {
            account_id: AccountId::from_string(account),
            customer_id: customer.map(CustomerId::from_string),
            number: PhoneNumber::parse(&number).expect("number"),
            display_name: name.to_owned(),
            mps: None,
        };
        let id = self
            .store
            .create_endpoint(endpoint)
            .await
            .expect("endpoint")
            .id
            .into_string();
        (id, number)
    }

    /// An account with a User-role user, an endpoint and an API key.
    pub async fn tenant(&self, name: &str) -> Tenant {
        let account = self.account(name).await;
        let email = format!("{}@{}.test", name.to_lowercase(), name.to_lowercase());
        let user = self.user(&account, &email, &[Role::User]).await;
        let key = self.api_key(&user).await;
        let (endpoint, number) = self
            .endpoint(&account, None, &format!("{name} main line"))
            .await;
        Tenant {
            account,
            user,
            email,
            key,
            endpoint,
            number,
        }
    }

    pub fn request(&self, method: Method, path: &str, auth: &Auth) -> RequestBuilder {
        let req = self.client.request(method, self.url(path));
        match auth {
            Auth::None => req,
            Auth::Key(k) => req.header(AUTHORIZATION, format!("Bearer {k}")),
            Auth::Basic(u, p) => req.basic_auth(u, Some(p)),
            Auth::Header(name, value) => req.header(*name, value.as_str()),
        }
    }

    pub async fn post_json(&self, path: &str, auth: &Auth, body: &Value) -> Response {
        self.request(Method::POST, path, auth)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("request")
    }

    pub async fn post_raw(
        &self,
        path: &str,
        auth: &Auth,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        self.request(Method::POST, path, auth)
            .header(CONTENT_TYPE, content_type)
            .header(ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str, auth: &Auth) -> Response {
        self.request(Method::GET, path, auth)
            .send()
            .await
            .expect("request")
    }

    pub async fn get_xml(&self, path: &str, auth: &Auth) -> Response {
        self.request(Method::GET, path, auth)
            .header(ACCEPT, "application/xml")
            .send()
            .await
            .expect("request")
    }

    /// Sends `text` from the tenant's endpoint to `to`; panics unless it is a 200.
    pub async fn send(&self, t: &Tenant, to: &str, text: &str) -> Value {
        let res = self
            .post_json(
                "/messages",
                &Auth::Key(t.key.clone()),
                &serde_json::json!({"endpointId": t.endpoint, "toAddress": to, "body": text}),
            )
            .await;
        assert_eq!(res.status(), 200, "send failed");
        res.json().await.expect("json")
    }

    /// The Chat session a conversation runs in (MessageInfo does not carry it).
    pub async fn session_of(&self, message_id: &str) -> String {
        let id = evo::domain::MessageId::from_string(message_id);
        let message = self
            .store
            .message(&AccountScope::All, &id)
            .await
            .expect("message");
        message.session_id.as_str().to_owned()
    }
}

pub fn key(t: &Tenant) -> Auth {
    Auth::Key(t.key.clone())
}

/// The `ResponseStatus` of an error body, asserting its shape (R60, R61).
pub async fn response_status(res: Response) -> Value {
    let body: Value = res.json().await.expect("error body is JSON");
    let status = body["responseStatus"].clone();
    assert!(status["errorCode"].is_string(), "errorCode in {body}");
    assert!(status["message"].is_string(), "message in {body}");
    assert!(status["errors"].is_array(), "errors list in {body}");
    status
}

/// The (errorCode, fieldName) pairs of a validation error.
pub fn field_errors(status: &Value) -> Vec<(String, String)> {
    status["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["errorCode"].as_str().unwrap_or_default().to_owned(),
                        e["fieldName"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Sends a raw HTTP/1.1 request (reqwest always adds an Accept header) and returns the status
/// line and headers, lower-cased, and the body.
pub async fn raw_http(addr: SocketAddr, request: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.expect("read");
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (head.to_lowercase(), body.to_owned())
}

/// A reqwest client. evo builds reqwest with rustls and no default crypto provider (STACK.md),
/// so every process installs ring's once before its first client.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
