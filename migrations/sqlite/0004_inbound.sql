-- Inbound SMS (#6): MMS attachments as the carrier sent them (evo does not proxy media).
create table message_media (
    message_id text not null references messages(id),
    position integer not null,
    url text not null,
    content_type text not null,
    primary key (message_id, position)
) without rowid;
