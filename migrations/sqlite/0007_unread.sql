-- Read state (#6): unread counts per conversation without scanning its messages.
create index messages_unread on messages(conversation_id) where is_unread = 1;
