//! Fresh databases for the cases, and the tenant most cases start from.

pub use crate::pg::PgDatabase;
use evo::clock::{Clock, ManualClock, SharedClock};
use evo::domain::{
    AccountId, AccountScope, CarrierAccount, CustomerId, EndpointId, InboundMessage, Message,
    MessageBody, OutboxItem, PhoneNumber, Role, SessionId, Timestamp, UserId,
};
use evo::store::{
    BoxFuture, Claim, NewEndpoint, NewMessage, NewUser, PostgresStore, SendTarget, SqliteStore,
    Store,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tempfile::TempDir;

/// The server-wide carrier account in these cases.
pub const SERVER_SID: &str = "ACserver";

type Open = Box<dyn Fn(SharedClock) -> BoxFuture<'static, Arc<dyn Store>> + Send + Sync>;

/// One database. Each `handle()` is a separate store on it, as another process would open.
pub struct Db {
    pub clock: Arc<ManualClock>,
    open: Open,
    /// The first handle; most cases need no other.
    pub store: Arc<dyn Store>,
    _dir: Option<TempDir>,
    _pg: Option<PgDatabase>,
}

impl Db {
    pub async fn handle(&self) -> Arc<dyn Store> {
        (self.open)(self.clock.clone()).await
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    async fn new(open: Open, dir: Option<TempDir>, pg: Option<PgDatabase>) -> Db {
        let clock = ManualClock::new();
        let store = open(clock.clone()).await;
        Db {
            clock,
            open,
            store,
            _dir: dir,
            _pg: pg,
        }
    }
}

/// SQLite in a temporary directory; handles are separate `SqliteStore`s on its one file.
pub async fn sqlite() -> Option<Db> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().to_owned();
    let open: Open = Box::new(move |clock: SharedClock| {
        let path = path.clone();
        Box::pin(async move {
            Arc::new(SqliteStore::open_with_clock(&path, clock).expect("open store"))
                as Arc<dyn Store>
        })
    });
    Some(Db::new(open, Some(dir), None).await)
}

/// PostgreSQL: a database of its own on the server at `EVO_TEST_DATABASE_URL`, dropped when
/// the case ends; handles are separate pools on it. `None` when no server answers, unless
/// `EVO_TEST_REQUIRE_PG=1` (CI), which makes that a failure.
pub async fn postgres() -> Option<Db> {
    let pg = PgDatabase::create().await?;
    let url = pg.url.clone();
    let open: Open = Box::new(move |clock: SharedClock| {
        let url = url.clone();
        Box::pin(async move {
            Arc::new(PostgresStore::connect(&url, clock).await.expect("connect")) as Arc<dyn Store>
        })
    });
    Some(Db::new(open, None, Some(pg)).await)
}

static NEXT: AtomicU32 = AtomicU32::new(1);

/// A fresh fictional number.
pub fn number() -> PhoneNumber {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    PhoneNumber::parse(&format!("+1555{n:07}")).expect("number")
}

pub fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s).expect("number")
}

/// An account with a user (role User), a customer and a phone-number endpoint.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub account: AccountId,
    pub customer: CustomerId,
    pub user: UserId,
    pub endpoint: EndpointId,
    pub number: String,
}

impl Tenant {
    pub fn scope(&self) -> AccountScope {
        AccountScope::Only(vec![self.account.clone()])
    }
}

pub async fn tenant(store: &dyn Store, name: &str) -> Tenant {
    let account = store.create_account(name).await.expect("account").id;
    let customer = store
        .create_customer(&account, None, &format!("{name} customer"))
        .await
        .expect("customer")
        .id;
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let user = store
        .create_user(NewUser {
            email: format!("user{n}@{}.example", name.to_lowercase()),
            first_name: Some("Test".into()),
            last_name: None,
            password_hash: "not-a-real-hash".into(),
            roles: vec![Role::User],
            accounts: vec![account.clone()],
        })
        .await
        .expect("user")
        .id;
    let number = number();
    let endpoint = store
        .create_endpoint(NewEndpoint {
            account_id: account.clone(),
            customer_id: Some(customer.clone()),
            number: number.clone(),
            display_name: format!("{name} line"),
            mps: None,
        })
        .await
        .expect("endpoint")
        .id;
    Tenant {
        account,
        customer,
        user,
        endpoint,
        number: number.as_str().to_owned(),
    }
}

/// A new outgoing message from the tenant's endpoint to `to`.
pub fn outgoing(db: &Db, t: &Tenant, to: &str, text: &str) -> NewMessage {
    NewMessage {
        target: SendTarget::Endpoint {
            endpoint: t.endpoint.clone(),
            to: phone(to),
        },
        body: MessageBody::parse(text).expect("body"),
        segments: evo::domain::segments(text),
        sender: "Test User".into(),
        date: db.now(),
        idempotency: None,
    }
}

/// A new message into an existing session.
pub fn into_session(db: &Db, session: &SessionId, text: &str) -> NewMessage {
    NewMessage {
        target: SendTarget::Session(session.clone()),
        body: MessageBody::parse(text).expect("body"),
        segments: evo::domain::segments(text),
        sender: "Test User".into(),
        date: db.now(),
        idempotency: None,
    }
}

pub async fn send(db: &Db, t: &Tenant, to: &str, text: &str) -> Message {
    db.store
        .send_message(&t.scope(), outgoing(db, t, to, text))
        .await
        .expect("send")
}

/// An SMS from `from` to the tenant's number, signed by the server-wide carrier account.
pub fn inbound(db: &Db, t: &Tenant, from: &str, text: &str, sid: &str) -> InboundMessage {
    InboundMessage {
        to: t.number.clone(),
        from: from.to_owned(),
        body: text.to_owned(),
        sid: sid.to_owned(),
        media: Vec::new(),
        segments: evo::domain::segments(text),
        date: db.now(),
        carrier: server_wide(),
    }
}

pub fn server_wide() -> CarrierAccount {
    CarrierAccount {
        signed_by: SERVER_SID.into(),
        server_wide: Some(SERVER_SID.into()),
    }
}

/// A claim by `owner` at the clock's now, unpaced.
pub fn claim(db: &Db, owner: &str, lease_ms: i64) -> Claim {
    Claim {
        owner: owner.into(),
        now: db.now(),
        lease_ms,
        limit: 100,
        validity_ms: 3_600_000,
        pacer: None,
    }
}

pub async fn claim_one(db: &Db, store: &dyn Store, owner: &str) -> OutboxItem {
    let mut items = store
        .claim_outbox(claim(db, owner, 10_000))
        .await
        .expect("claim");
    assert_eq!(items.len(), 1, "{items:?}");
    items.remove(0)
}

/// Asserts that `$result` is the store refusal `$refusal` (a pattern).
#[macro_export]
macro_rules! refused {
    ($result:expr, $refusal:pat) => {
        match $result {
            Err(evo::store::StoreError::Refused($refusal)) => {}
            other => panic!(
                "expected {}, got {:?}",
                stringify!($refusal),
                other.map(|_| "Ok(..)")
            ),
        }
    };
}
