//! Opt-outs per endpoint number.

use super::super::StoreResult;
use super::super::backend::OptOutTx;
use super::sql::internal;
use crate::domain::{EndpointId, OptOut, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

impl OptOutTx for Connection {
    async fn is_opted_out(&mut self, endpoint: &EndpointId, address: &str) -> StoreResult<bool> {
        self.prepare_cached("select 1 from opt_outs where endpoint_id = ?1 and address = ?2")
            .and_then(|mut s| {
                s.query_row(params![endpoint.as_str(), address], |_| Ok(()))
                    .optional()
            })
            .map(|found| found.is_some())
            .map_err(internal)
    }

    async fn list_opt_outs(&mut self, endpoint: &EndpointId) -> StoreResult<Vec<OptOut>> {
        self.prepare_cached(
            "select address, created_at from opt_outs where endpoint_id = ?1
             order by created_at, address",
        )
        .and_then(|mut s| {
            s.query_map([endpoint.as_str()], |r| {
                Ok(OptOut {
                    address: r.get(0)?,
                    created: Timestamp::from_millis(r.get(1)?),
                })
            })?
            .collect()
        })
        .map_err(internal)
    }

    async fn add_opt_out(
        &mut self,
        endpoint: &EndpointId,
        address: &str,
        at: Timestamp,
    ) -> StoreResult<Timestamp> {
        self.prepare_cached(
            "insert into opt_outs (endpoint_id, address, created_at) values (?1, ?2, ?3)
             on conflict do nothing",
        )
        .and_then(|mut s| s.execute(params![endpoint.as_str(), address, at.millis()]))
        .map_err(internal)?;
        self.prepare_cached(
            "select created_at from opt_outs where endpoint_id = ?1 and address = ?2",
        )
        .and_then(|mut s| s.query_row(params![endpoint.as_str(), address], |r| r.get(0)))
        .map(Timestamp::from_millis)
        .map_err(internal)
    }

    async fn remove_opt_out(&mut self, endpoint: &EndpointId, address: &str) -> StoreResult<bool> {
        self.prepare_cached("delete from opt_outs where endpoint_id = ?1 and address = ?2")
            .and_then(|mut s| s.execute(params![endpoint.as_str(), address]))
            .map(|n| n > 0)
            .map_err(internal)
    }
}
