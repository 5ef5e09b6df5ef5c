-- pgbench script: the rows one SendMessage writes to a new recipient (conversation, Chat
-- session, message, outbox row), one transaction per message, as evo's PostgreSQL store does.
-- Run by bench/sendmessage.sh with BENCH_PG; :acct and :endp are the bench tenant's ids, quoted.
\set r random(1, 2000000000)
begin;
insert into conversations (id, account_id, endpoint_id, other_address, last_message_id, last_message_at)
  values (md5('c' || :r || clock_timestamp()), :acct, :endp, '+1' || :r || :client_id, null, 1700000000000)
  on conflict (endpoint_id, other_address) do update set last_message_at = excluded.last_message_at;
insert into sessions (id, account_id, endpoint_id, conversation_id, channel, created_at, last_activity_at)
  select md5('s' || :r || clock_timestamp()), :acct, :endp, id, 'Chat', 1700000000000, 1700000000000
  from conversations where endpoint_id = :endp and other_address = '+1' || :r || :client_id
  on conflict (conversation_id) where ended_at is null do update set last_activity_at = excluded.last_activity_at;
with m as (insert into messages (id, account_id, endpoint_id, conversation_id, session_id, direction, other_address,
                      sender, body, is_unread, status, created_at, updated_at, segments, encoding)
  select md5('m' || :r || clock_timestamp()), :acct, :endp, s.conversation_id, s.id, 'Outgoing',
         '+1' || :r || :client_id, 'bench', 'Hello from the benchmark', false, 'Queued',
         1700000000000, 1700000000000, 1, 'GSM-7'
  from sessions s join conversations c on c.id = s.conversation_id
  where c.endpoint_id = :endp and c.other_address = '+1' || :r || :client_id and s.ended_at is null
  returning id)
insert into outbox (message_id, due_at) select id, 1700000000000 from m;
commit;
