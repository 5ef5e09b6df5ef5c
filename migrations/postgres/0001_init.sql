-- evo schema v1 (PostgreSQL): the same records as migrations/sqlite/, in one step. Instants are
-- unix milliseconds (bigint), as on SQLite, so both stores read and write the same values; ids
-- are opaque text in their wire form (32 lowercase hex digits).

create table accounts (
    id text primary key,
    name text not null,
    created_at bigint not null,
    twilio_account_sid text,
    twilio_auth_token text
);
create index accounts_twilio_sid on accounts(twilio_account_sid) where twilio_account_sid is not null;

create table customers (
    id text primary key,
    account_id text not null references accounts(id),
    parent_id text references customers(id),
    name text not null,
    created_at bigint not null
);
create index customers_account on customers(account_id);

create table users (
    id text primary key,
    email text not null,
    email_key text not null unique,
    first_name text,
    last_name text,
    password_hash text not null,
    created_at bigint not null
);

create table user_roles (
    user_id text not null references users(id),
    role text not null,
    primary key (user_id, role)
);

create table user_accounts (
    user_id text not null references users(id),
    account_id text not null references accounts(id),
    primary key (user_id, account_id)
);

create table api_keys (
    id text primary key,
    user_id text not null references users(id),
    name text,
    key_hash bytea not null unique,
    created_at bigint not null
);

create table logins (
    token_hash bytea primary key,
    user_id text not null references users(id),
    permanent boolean not null,
    created_at bigint not null,
    expires_at bigint not null
);

create table endpoints (
    id text primary key,
    account_id text not null references accounts(id),
    customer_id text references customers(id),
    kind text not null,
    phone_number text unique,
    display_name text not null,
    sms_enabled boolean not null default true,
    created_at bigint not null,
    mps double precision,
    help_text text
);
create index endpoints_account on endpoints(account_id);

create table conversations (
    id text primary key,
    account_id text not null references accounts(id),
    customer_id text,
    endpoint_id text not null references endpoints(id),
    other_address text not null,
    last_message_id text,
    last_message_at bigint not null,
    unique (endpoint_id, other_address)
);
create index conversations_recent on conversations(account_id, last_message_at desc);

create table sessions (
    id text primary key,
    account_id text not null references accounts(id),
    customer_id text,
    endpoint_id text not null references endpoints(id),
    conversation_id text not null references conversations(id),
    channel text not null,
    created_at bigint not null,
    last_activity_at bigint not null,
    ended_at bigint
);
create unique index sessions_open on sessions(conversation_id) where ended_at is null;
create index sessions_account_date on sessions(account_id, created_at desc, id desc);
create index sessions_conversation on sessions(conversation_id, created_at);

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
    is_unread boolean not null,
    status text not null,
    carrier_ref text,
    created_at bigint not null,
    updated_at bigint not null,
    segments integer not null default 1,
    encoding text not null default 'GSM-7',
    attempts integer not null default 0,
    last_error text,
    sent_at bigint,
    finished_at bigint
);
create index messages_account_date on messages(account_id, created_at desc, id desc);
create index messages_conversation_date on messages(conversation_id, created_at desc, id desc);
create index messages_endpoint_date on messages(endpoint_id, created_at desc, id desc);
create index messages_session_date on messages(session_id, created_at, id);
create unique index messages_carrier_ref on messages(carrier_ref) where carrier_ref is not null;
create index messages_unread on messages(conversation_id) where is_unread;

-- Outgoing messages waiting for the carrier; a row leaves when the carrier has taken the message.
-- phase: 'queued' (never tried, or the carrier said it did not take it), 'sending' (an attempt was
-- recorded and its answer is not), 'unknown' (no answer: reconcile before sending again).
create table outbox (
    message_id text primary key references messages(id),
    due_at bigint not null,
    attempts integer not null default 0,
    lease_until bigint not null default 0,
    phase text not null default 'queued',
    lease_owner text,
    last_attempt_at bigint
);
create index outbox_due on outbox(due_at);
create index outbox_owner on outbox(lease_owner) where lease_owner is not null;

-- Status callbacks for sids evo has not recorded yet (the callback outran the worker's write).
create table carrier_events (
    sid text not null,
    status text not null,
    error text,
    received_at bigint not null,
    primary key (sid, status)
);

-- SendMessage Idempotency-Key: the first response is replayed for 24 hours.
create table idempotency_keys (
    user_id text not null,
    key text not null,
    request_hash bytea not null,
    message_id text not null,
    created_at bigint not null,
    primary key (user_id, key)
);
create index idempotency_created on idempotency_keys(created_at);

-- MMS attachments as the carrier sent them (evo does not proxy media).
create table message_media (
    message_id text not null references messages(id),
    position integer not null,
    url text not null,
    content_type text not null,
    primary key (message_id, position)
);

-- Addresses that texted STOP (or were added by an administrator) to an endpoint's number.
create table opt_outs (
    endpoint_id text not null references endpoints(id),
    address text not null,
    created_at bigint not null,
    primary key (endpoint_id, address)
);
