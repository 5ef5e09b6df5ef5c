-- Opt-out (#6): addresses that texted STOP (or were added by an administrator) to an endpoint's
-- number, and the text HELP and INFO are answered with.
create table opt_outs (
    endpoint_id text not null references endpoints(id),
    address text not null,
    created_at integer not null,
    primary key (endpoint_id, address)
) without rowid;

alter table endpoints add column help_text text;
