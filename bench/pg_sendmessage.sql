-- pgbench script: the statements one SendMessage to a new recipient runs on evo's PostgreSQL
-- store (the endpoint and opt-out look-ups, then the conversation, Chat session and message in
-- one statement, then the outbox row), one transaction per message. Run by bench/sendmessage.sh
-- with BENCH_PG, `-M prepared` as evo prepares its statements; :acct and :endp are the bench
-- tenant's ids (statement parameters under `-M prepared`, so unquoted).
\set r random(1, 9000000000000000000)
begin;
select e.id, e.account_id, e.customer_id, e.kind, e.phone_number, e.display_name, e.sms_enabled
  from endpoints e where e.id = :endp and e.account_id = any(array[:acct]);
select 1 from opt_outs where endpoint_id = :endp and address = '+1' || :r || :client_id;
with c as (
  insert into conversations (id, account_id, endpoint_id, other_address, last_message_id, last_message_at)
  values (md5('c' || :r || clock_timestamp()), :acct, :endp, '+1' || :r || :client_id,
          md5('m' || :r || :client_id), 1700000000000)
  on conflict (endpoint_id, other_address) do update
    set last_message_id = excluded.last_message_id,
        last_message_at = greatest(conversations.last_message_at, excluded.last_message_at)
  returning id
), s as (
  insert into sessions (id, account_id, endpoint_id, conversation_id, channel, created_at, last_activity_at)
  select md5('s' || :r || clock_timestamp()), :acct, :endp, c.id, 'Chat', 1700000000000, 1700000000000 from c
  on conflict (conversation_id) where ended_at is null do update set last_activity_at = excluded.last_activity_at
  returning id
), m as (
  insert into messages (id, account_id, endpoint_id, conversation_id, session_id, direction, other_address,
                        sender, body, is_unread, status, created_at, updated_at, segments, encoding)
  select md5('m' || :r || :client_id), :acct, :endp, c.id, s.id, 'Outgoing', '+1' || :r || :client_id,
         'bench', 'Hello from the benchmark', false, 'Queued', 1700000000000, 1700000000000, 1, 'GSM-7'
  from c, s
  on conflict (carrier_ref) where carrier_ref is not null do nothing
  returning id
)
select c.id, s.id, (select count(*) from m) from c, s;
insert into outbox (message_id, due_at) values (md5('m' || :r || :client_id), 1700000000000);
commit;
