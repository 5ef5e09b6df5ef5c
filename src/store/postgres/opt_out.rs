//! Opt-outs per endpoint number.

use super::super::StoreResult;
use super::super::backend::OptOutTx;
use super::PgConn;
use super::sql::{get, timestamp};
use crate::domain::{EndpointId, OptOut, Timestamp};

impl OptOutTx for PgConn {
    async fn is_opted_out(&mut self, endpoint: &EndpointId, address: &str) -> StoreResult<bool> {
        self.query_opt(
            "select 1 from opt_outs where endpoint_id = $1 and address = $2",
            &[&endpoint.as_str(), &address],
        )
        .await
        .map(|found| found.is_some())
    }

    async fn list_opt_outs(&mut self, endpoint: &EndpointId) -> StoreResult<Vec<OptOut>> {
        self.query(
            "select address, created_at from opt_outs where endpoint_id = $1
             order by created_at, address",
            &[&endpoint.as_str()],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(OptOut {
                address: get(r, 0)?,
                created: timestamp(r, 1)?,
            })
        })
        .collect()
    }

    async fn add_opt_out(
        &mut self,
        endpoint: &EndpointId,
        address: &str,
        at: Timestamp,
    ) -> StoreResult<Timestamp> {
        self.execute(
            "insert into opt_outs (endpoint_id, address, created_at) values ($1, $2, $3)
             on conflict do nothing",
            &[&endpoint.as_str(), &address, &at.millis()],
        )
        .await?;
        let row = self
            .query_one(
                "select created_at from opt_outs where endpoint_id = $1 and address = $2",
                &[&endpoint.as_str(), &address],
            )
            .await?;
        timestamp(&row, 0)
    }

    async fn remove_opt_out(&mut self, endpoint: &EndpointId, address: &str) -> StoreResult<bool> {
        self.execute(
            "delete from opt_outs where endpoint_id = $1 and address = $2",
            &[&endpoint.as_str(), &address],
        )
        .await
        .map(|n| n > 0)
    }
}
