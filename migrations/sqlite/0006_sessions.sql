-- Sessions (#6): a conversation has a series of Chat sessions; at most one is open. EndSession
-- closes it, and the next message from that address opens a new one. (Table rebuilt because
-- SQLite cannot drop the old one-session-per-conversation constraint; migrations run with
-- foreign keys off, and checked after.)
create table sessions_new (
    id text primary key,
    account_id text not null references accounts(id),
    customer_id text,
    endpoint_id text not null references endpoints(id),
    conversation_id text not null references conversations(id),
    channel text not null,
    created_at integer not null,
    last_activity_at integer not null,
    ended_at integer
);
insert into sessions_new (id, account_id, customer_id, endpoint_id, conversation_id, channel, created_at, last_activity_at)
    select id, account_id, customer_id, endpoint_id, conversation_id, channel, created_at, last_activity_at from sessions;
drop table sessions;
alter table sessions_new rename to sessions;
create unique index sessions_open on sessions(conversation_id) where ended_at is null;
create index sessions_account_date on sessions(account_id, created_at desc, id desc);
create index sessions_conversation on sessions(conversation_id, created_at);
create index messages_session_date on messages(session_id, created_at, id);
