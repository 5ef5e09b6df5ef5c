//! The store's rules, written once for every backend. Each is a plain async function over the
//! primitives of `backend.rs`: it reads what its decision needs, decides in Rust, and writes
//! the decision, all inside the one transaction the engine gives it. The SQL below them makes
//! no decision; these functions make no SQL.

pub mod callbacks;
pub mod credentials;
pub mod delivery;
pub mod inbound;
pub mod opt_outs;
pub mod read_state;
pub mod scope;
pub mod sending;
pub mod sessions;
pub mod status;
pub mod tenancy;
