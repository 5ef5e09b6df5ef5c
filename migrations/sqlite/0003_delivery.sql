-- Delivery (#5): attempts and outcomes per message, outbox phases and leases per node, pacing per
-- endpoint, carrier credentials per account, early status callbacks, idempotency keys.

alter table messages add column attempts integer not null default 0;
alter table messages add column last_error text;
alter table messages add column sent_at integer;
alter table messages add column finished_at integer;
create unique index messages_carrier_ref on messages(carrier_ref) where carrier_ref is not null;

-- phase: 'queued' (never tried, or the carrier said it did not take it), 'sending' (an attempt was
-- recorded and its answer is not), 'unknown' (no answer: reconcile before sending again).
alter table outbox add column phase text not null default 'queued';
alter table outbox add column lease_owner text;
alter table outbox add column last_attempt_at integer;
create index outbox_owner on outbox(lease_owner) where lease_owner is not null;

-- Segments per second the endpoint's number may send; null means the default for its kind.
alter table endpoints add column mps real;

alter table accounts add column twilio_account_sid text;
alter table accounts add column twilio_auth_token text;
create index accounts_twilio_sid on accounts(twilio_account_sid) where twilio_account_sid is not null;

-- Status callbacks for sids evo has not recorded yet (the callback outran the worker's write).
create table carrier_events (
    sid text not null,
    status text not null,
    error text,
    received_at integer not null,
    primary key (sid, status)
) without rowid;

-- SendMessage Idempotency-Key: the first response is replayed for 24 hours.
create table idempotency_keys (
    user_id text not null,
    key text not null,
    request_hash blob not null,
    message_id text not null,
    created_at integer not null,
    primary key (user_id, key)
) without rowid;
create index idempotency_created on idempotency_keys(created_at);
