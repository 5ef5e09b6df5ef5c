//! One integration-test binary (one link): every test starts the real server on port 0 with
//! its own temporary SQLite store, or with `EVO_TEST_BACKEND=postgres` a PostgreSQL database of
//! its own, and talks HTTP to it; `evo` child processes get `--database-url` for the database
//! that stands for their data directory (`helpers::store_args`).

#[path = "../common/pg.rs"]
mod pg;

mod auth;
mod binding;
mod cli;
mod crash;
mod delivery;
mod delivery_sim;
mod durability;
mod formats;
mod generic;
mod golden;
mod hardening;
mod helpers;
mod inbound;
mod list;
mod metadata;
mod negotiation;
mod opt_outs;
mod opt_outs_cli;
mod pg_restart;
mod postgres;
mod read_state;
mod routes;
mod send_message;
mod sessions;
mod tenancy;
mod workers;
