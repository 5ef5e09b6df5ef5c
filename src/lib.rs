//! evo: a self-hosted messaging server that speaks the Evo Voice API.
//!
//! Layers, with dependencies pointing down only: `server` → `service` → `store` / `carrier` /
//! `wire` → `domain`. See docs/ARCHITECTURE.md.

pub mod carrier;
pub mod cli;
pub mod clock;
pub mod domain;
pub mod error;
pub mod server;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod wire;
