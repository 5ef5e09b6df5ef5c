-- evo schema v1 (SQLite). Instants are unix milliseconds; ids are opaque text (UUIDv7).

create table accounts (
    id text primary key,
    name text not null,
    created_at integer not null
);

create table customers (
    id text primary key,
    account_id text not null references accounts(id),
    parent_id text references customers(id),
    name text not null,
    created_at integer not null
);
create index customers_account on customers(account_id);

create table users (
    id text primary key,
    email text not null,
    email_key text not null unique,
    first_name text,
    last_name text,
    password_hash text not null,
    created_at integer not null
);

create table user_roles (
    user_id text not null references users(id),
    role text not null,
    primary key (user_id, role)
) without rowid;

create table user_accounts (
    user_id text not null references users(id),
    account_id text not null references accounts(id),
    primary key (user_id, account_id)
) without rowid;

create table api_keys (
    id text primary key,
    user_id text not null references users(id),
    name text,
    key_hash blob not null unique,
    created_at integer not null
);

create table logins (
    token_hash blob primary key,
    user_id text not null references users(id),
    permanent integer not null,
    created_at integer not null,
    expires_at integer not null
) without rowid;

create table endpoints (
    id text primary key,
    account_id text not null references accounts(id),
    customer_id text references customers(id),
    kind text not null,
    phone_number text unique,
    display_name text not null,
    sms_enabled integer not null default 1,
    created_at integer not null
);
create index endpoints_account on endpoints(account_id);

create table conversations (
    id text primary key,
    account_id text not null references accounts(id),
    customer_id text,
    endpoint_id text not null references endpoints(id),
    other_address text not null,
    last_message_id text,
    last_message_at integer not null,
    unique (endpoint_id, other_address)
);
create index conversations_recent on conversations(account_id, last_message_at desc);

create table sessions (
    id text primary key,
    account_id text not null references accounts(id),
    customer_id text,
    endpoint_id text not null references endpoints(id),
    conversation_id text not null unique references conversations(id),
    channel text not null,
    created_at integer not null,
    last_activity_at integer not null
);

create table messages (
    id text primary key,
    account_id text not null references accounts(id),
    customer_id text,
    endpoint_id text not null references endpoints(id),
    conversation_id text not null references conversations(id),
    session_id text not null references sessions(id),
    direction text not null,
    other_address text not null,
    sender text not null,
    body text not null,
    is_unread integer not null,
    status text not null,
    carrier_ref text,
    created_at integer not null,
    updated_at integer not null
);
create index messages_account_date on messages(account_id, created_at desc, id desc);
create index messages_conversation_date on messages(conversation_id, created_at desc, id desc);
create index messages_endpoint_date on messages(endpoint_id, created_at desc, id desc);

-- Outgoing messages waiting for the carrier. A row leaves when the carrier has taken the message.
create table outbox (
    message_id text primary key references messages(id),
    due_at integer not null,
    attempts integer not null default 0,
    lease_until integer not null default 0
);
create index outbox_due on outbox(due_at);
