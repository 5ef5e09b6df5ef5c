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
pub mod sending;
pub mod sessions;
pub mod tenancy;

use super::StoreResult;
use super::backend::TenancyTx;
use crate::domain::{AccountScope, Endpoint, EndpointId, Missing, Refusal};

/// The endpoint, if it is in `scope`; NotFound in the same words whether it is missing or in
/// another account.
pub async fn scoped_endpoint<T: TenancyTx>(
    tx: &mut T,
    scope: &AccountScope,
    id: &EndpointId,
) -> StoreResult<Endpoint> {
    tx.endpoint(scope, id)
        .await?
        .ok_or_else(|| Refusal::NotFound(Missing::Endpoint(id.clone())).into())
}
