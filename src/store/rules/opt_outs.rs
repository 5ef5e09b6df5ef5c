//! Listing, adding and lifting opt-outs within the caller's accounts.

use super::super::StoreResult;
use super::super::backend::{OptOutTx, TenancyTx};
use super::scope::scoped_endpoint;
use crate::domain::{AccountScope, EndpointId, Missing, OptOut, PhoneNumber, Refusal, Timestamp};

pub async fn list<T: OptOutTx + TenancyTx>(
    tx: &mut T,
    scope: AccountScope,
    endpoint: EndpointId,
) -> StoreResult<Vec<OptOut>> {
    scoped_endpoint(tx, &scope, &endpoint).await?;
    tx.list_opt_outs(&endpoint).await
}

pub async fn add<T: OptOutTx + TenancyTx>(
    tx: &mut T,
    scope: AccountScope,
    endpoint: EndpointId,
    address: PhoneNumber,
    now: Timestamp,
) -> StoreResult<OptOut> {
    scoped_endpoint(tx, &scope, &endpoint).await?;
    let created = tx.add_opt_out(&endpoint, address.as_str(), now).await?;
    Ok(OptOut {
        address: address.as_str().to_owned(),
        created,
    })
}

pub async fn remove<T: OptOutTx + TenancyTx>(
    tx: &mut T,
    scope: AccountScope,
    endpoint: EndpointId,
    address: PhoneNumber,
) -> StoreResult<()> {
    scoped_endpoint(tx, &scope, &endpoint).await?;
    if tx.remove_opt_out(&endpoint, address.as_str()).await? {
        Ok(())
    } else {
        Err(Refusal::NotFound(Missing::OptOut {
            endpoint,
            address: address.as_str().to_owned(),
        })
        .into())
    }
}
