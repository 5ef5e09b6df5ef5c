//! Opt-out per endpoint number: STOP and its kin opt the sender out, START and its kin back in,
//! HELP and INFO are answered with the endpoint's help text through the normal outbox.
//! Administrators list, add and lift opt-outs within their accounts.

use super::super::{OptOut, StoreError, StoreResult};
use super::messages::{MessageRow, Route, insert_message};
use super::sql::{internal, scope_filter, where_clause};
use crate::domain::{
    AccountScope, DeliveryStatus, Direction, EndpointId, Keyword, MessageId, PhoneNumber, Timestamp,
};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

pub fn refuse_if_opted_out(
    c: &Connection,
    endpoint: &EndpointId,
    address: &str,
) -> StoreResult<()> {
    let opted_out = c
        .prepare_cached("select 1 from opt_outs where endpoint_id = ?1 and address = ?2")
        .and_then(|mut s| {
            s.query_row(params![endpoint.as_str(), address], |_| Ok(()))
                .optional()
        })
        .map_err(internal)?;
    match opted_out {
        Some(()) => Err(StoreError::Refused(
            "RecipientOptedOut",
            format!("{address} has opted out of messages from this number (they texted STOP)"),
        )),
        None => Ok(()),
    }
}

/// Acts on a keyword message that was just stored from `route.other_address`.
pub fn apply_keyword(
    c: &Connection,
    route: &Route,
    keyword: Keyword,
    now: Timestamp,
) -> StoreResult<bool> {
    match keyword {
        Keyword::OptOut => {
            c.prepare_cached(
                "insert into opt_outs (endpoint_id, address, created_at) values (?1, ?2, ?3)
                 on conflict do nothing",
            )
            .and_then(|mut s| {
                s.execute(params![
                    route.endpoint_id.as_str(),
                    route.other_address,
                    now.millis()
                ])
            })
            .map_err(internal)?;
            Ok(false)
        }
        Keyword::OptIn => {
            c.prepare_cached("delete from opt_outs where endpoint_id = ?1 and address = ?2")
                .and_then(|mut s| {
                    s.execute(params![route.endpoint_id.as_str(), route.other_address])
                })
                .map_err(internal)?;
            Ok(false)
        }
        Keyword::Help => {
            reply_with_help(c, route, now)?;
            Ok(true)
        }
    }
}

/// Queues the endpoint's help text to the sender, like any outgoing message.
fn reply_with_help(c: &Connection, route: &Route, now: Timestamp) -> StoreResult<()> {
    let help: Option<String> = c
        .prepare_cached("select help_text from endpoints where id = ?1")
        .and_then(|mut s| s.query_row([route.endpoint_id.as_str()], |r| r.get(0)))
        .map_err(internal)?;
    let text = help.filter(|h| !h.trim().is_empty()).unwrap_or_else(|| {
        format!(
            "{}: reply STOP to opt out, START to opt back in.",
            route.endpoint_name
        )
    });
    let id = MessageId::generate();
    insert_message(
        c,
        route,
        &MessageRow {
            id: &id,
            direction: Direction::Outgoing,
            sender: &route.endpoint_name,
            body: &text,
            segments: crate::domain::segments(&text),
            status: DeliveryStatus::Queued,
            carrier_ref: None,
            at: now,
        },
    )?;
    c.prepare_cached("insert into outbox (message_id, due_at) values (?1, ?2)")
        .and_then(|mut s| s.execute(params![id.as_str(), now.millis()]))
        .map(drop)
        .map_err(internal)
}

/// The endpoint's opted-out addresses, oldest first.
pub fn list(
    c: &Connection,
    scope: &AccountScope,
    endpoint: &EndpointId,
) -> StoreResult<Vec<OptOut>> {
    require_endpoint(c, scope, endpoint)?;
    c.prepare_cached(
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

pub fn add(
    c: &Connection,
    scope: &AccountScope,
    endpoint: &EndpointId,
    address: &PhoneNumber,
    now: Timestamp,
) -> StoreResult<OptOut> {
    require_endpoint(c, scope, endpoint)?;
    c.prepare_cached(
        "insert into opt_outs (endpoint_id, address, created_at) values (?1, ?2, ?3)
         on conflict do nothing",
    )
    .and_then(|mut s| s.execute(params![endpoint.as_str(), address.as_str(), now.millis()]))
    .map_err(internal)?;
    let created = c
        .prepare_cached("select created_at from opt_outs where endpoint_id = ?1 and address = ?2")
        .and_then(|mut s| s.query_row(params![endpoint.as_str(), address.as_str()], |r| r.get(0)))
        .map_err(internal)?;
    Ok(OptOut {
        address: address.as_str().to_owned(),
        created: Timestamp::from_millis(created),
    })
}

pub fn remove(
    c: &Connection,
    scope: &AccountScope,
    endpoint: &EndpointId,
    address: &PhoneNumber,
) -> StoreResult<()> {
    require_endpoint(c, scope, endpoint)?;
    let removed = c
        .prepare_cached("delete from opt_outs where endpoint_id = ?1 and address = ?2")
        .and_then(|mut s| s.execute(params![endpoint.as_str(), address.as_str()]))
        .map_err(internal)?;
    if removed == 0 {
        return Err(StoreError::NotFound(format!(
            "{} has not opted out of endpoint '{endpoint}'",
            address.as_str()
        )));
    }
    Ok(())
}

/// NotFound, in the same words, whether the endpoint is missing or in another account.
fn require_endpoint(
    c: &Connection,
    scope: &AccountScope,
    endpoint: &EndpointId,
) -> StoreResult<()> {
    let (mut conds, mut args) = (
        vec!["id = ?".to_owned()],
        vec![rusqlite::types::Value::from(endpoint.as_str().to_owned())],
    );
    scope_filter(scope, "account_id", &mut conds, &mut args);
    let sql = format!("select 1 from endpoints {}", where_clause(&conds));
    let found = c
        .prepare_cached(&sql)
        .and_then(|mut s| s.query_row(params_from_iter(args), |_| Ok(())).optional())
        .map_err(internal)?;
    found.ok_or_else(|| StoreError::NotFound(format!("Endpoint '{endpoint}' not found")))
}
