//! Every table of the store, in an order that inserts parents before children, with each
//! column's type: what `copy-store` reads from one store and writes to another.

/// How a column's values are read and bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    OptText,
    Int8,
    OptInt8,
    Int4,
    Bool,
    Bytes,
    OptFloat,
}

pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    /// Read as this SQL expression instead of the column (the outbox's leases are released).
    pub read_as: Option<&'static str>,
}

pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// The order rows are copied in (parents before children within a table too).
    pub order: &'static str,
}

const fn col(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        read_as: None,
    }
}

const fn released(name: &'static str, kind: Kind, read_as: &'static str) -> Column {
    Column {
        name,
        kind,
        read_as: Some(read_as),
    }
}

use Kind::*;

pub const TABLES: &[Table] = &[
    Table {
        name: "accounts",
        columns: &[
            col("id", Text),
            col("name", Text),
            col("created_at", Int8),
            col("twilio_account_sid", OptText),
            col("twilio_auth_token", OptText),
        ],
        order: "id",
    },
    Table {
        name: "customers",
        columns: &[
            col("id", Text),
            col("account_id", Text),
            col("parent_id", OptText),
            col("name", Text),
            col("created_at", Int8),
        ],
        // A parent exists before its children are created, and ids are time-ordered.
        order: "created_at, id",
    },
    Table {
        name: "users",
        columns: &[
            col("id", Text),
            col("email", Text),
            col("email_key", Text),
            col("first_name", OptText),
            col("last_name", OptText),
            col("password_hash", Text),
            col("created_at", Int8),
        ],
        order: "id",
    },
    Table {
        name: "user_roles",
        columns: &[col("user_id", Text), col("role", Text)],
        order: "user_id, role",
    },
    Table {
        name: "user_accounts",
        columns: &[col("user_id", Text), col("account_id", Text)],
        order: "user_id, account_id",
    },
    Table {
        name: "api_keys",
        columns: &[
            col("id", Text),
            col("user_id", Text),
            col("name", OptText),
            col("key_hash", Bytes),
            col("created_at", Int8),
        ],
        order: "id",
    },
    Table {
        name: "logins",
        columns: &[
            col("token_hash", Bytes),
            col("user_id", Text),
            col("permanent", Bool),
            col("created_at", Int8),
            col("expires_at", Int8),
        ],
        order: "token_hash",
    },
    Table {
        name: "endpoints",
        columns: &[
            col("id", Text),
            col("account_id", Text),
            col("customer_id", OptText),
            col("kind", Text),
            col("phone_number", OptText),
            col("display_name", Text),
            col("sms_enabled", Bool),
            col("created_at", Int8),
            col("mps", OptFloat),
            col("help_text", OptText),
        ],
        order: "id",
    },
    Table {
        name: "conversations",
        columns: &[
            col("id", Text),
            col("account_id", Text),
            col("customer_id", OptText),
            col("endpoint_id", Text),
            col("other_address", Text),
            col("last_message_id", OptText),
            col("last_message_at", Int8),
        ],
        order: "id",
    },
    Table {
        name: "sessions",
        columns: &[
            col("id", Text),
            col("account_id", Text),
            col("customer_id", OptText),
            col("endpoint_id", Text),
            col("conversation_id", Text),
            col("channel", Text),
            col("created_at", Int8),
            col("last_activity_at", Int8),
            col("ended_at", OptInt8),
        ],
        order: "id",
    },
    Table {
        name: "messages",
        columns: &[
            col("id", Text),
            col("account_id", Text),
            col("customer_id", OptText),
            col("endpoint_id", Text),
            col("conversation_id", Text),
            col("session_id", Text),
            col("direction", Text),
            col("other_address", Text),
            col("sender", Text),
            col("body", Text),
            col("is_unread", Bool),
            col("status", Text),
            col("carrier_ref", OptText),
            col("created_at", Int8),
            col("updated_at", Int8),
            col("segments", Int4),
            col("encoding", Text),
            col("attempts", Int4),
            col("last_error", OptText),
            col("sent_at", OptInt8),
            col("finished_at", OptInt8),
        ],
        order: "id",
    },
    Table {
        name: "outbox",
        columns: &[
            col("message_id", Text),
            col("due_at", Int8),
            col("attempts", Int4),
            released("lease_until", Int8, "cast(0 as bigint)"),
            col("phase", Text),
            released("lease_owner", OptText, "cast(null as text)"),
            col("last_attempt_at", OptInt8),
        ],
        order: "message_id",
    },
    Table {
        name: "carrier_events",
        columns: &[
            col("sid", Text),
            col("status", Text),
            col("error", OptText),
            col("received_at", Int8),
        ],
        order: "sid, status",
    },
    Table {
        name: "idempotency_keys",
        columns: &[
            col("user_id", Text),
            col("key", Text),
            col("request_hash", Bytes),
            col("message_id", Text),
            col("created_at", Int8),
        ],
        order: "user_id, key",
    },
    Table {
        name: "message_media",
        columns: &[
            col("message_id", Text),
            col("position", Int4),
            col("url", Text),
            col("content_type", Text),
        ],
        order: "message_id, position",
    },
    Table {
        name: "opt_outs",
        columns: &[
            col("endpoint_id", Text),
            col("address", Text),
            col("created_at", Int8),
        ],
        order: "endpoint_id, address",
    },
];

impl Table {
    /// `select … from table order by …`, releasing what `read_as` says.
    pub fn select(&self) -> String {
        let columns: Vec<String> = self
            .columns
            .iter()
            .map(|c| match c.read_as {
                Some(expr) => format!("{expr} as {}", c.name),
                None => c.name.to_owned(),
            })
            .collect();
        format!(
            "select {} from {} order by {}",
            columns.join(", "),
            self.name,
            self.order
        )
    }

    /// `insert into table (…) values ($1, …)`.
    pub fn insert(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|c| c.name).collect();
        let marks: Vec<String> = (1..=self.columns.len()).map(|i| format!("${i}")).collect();
        format!(
            "insert into {} ({}) values ({})",
            self.name,
            names.join(", "),
            marks.join(", ")
        )
    }
}
