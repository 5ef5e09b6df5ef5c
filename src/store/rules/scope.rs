//! Where every rule that takes an id starts: the object, if it is in the caller's accounts.

use super::super::StoreResult;
use super::super::backend::TenancyTx;
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
