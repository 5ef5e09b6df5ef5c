//! Per-account carrier credentials and per-endpoint settings (pacing, help text, SMS on/off).

use super::super::{Endpoint, EndpointChanges, StoreError, StoreResult};
use super::sql::internal;
use super::tenancy::require_account;
use crate::domain::{AccountId, CustomerId, EndpointId};
use rusqlite::{Connection, OptionalExtension, params};

pub fn set_account_carrier(
    c: &Connection,
    account: &AccountId,
    sid: &str,
    token: &str,
) -> StoreResult<()> {
    require_account(c, account)?;
    c.execute(
        "update accounts set twilio_account_sid = ?2, twilio_auth_token = ?3 where id = ?1",
        params![account.as_str(), sid, token],
    )
    .map(drop)
    .map_err(internal)
}

pub fn carrier_token(c: &Connection, account_sid: &str) -> StoreResult<Option<String>> {
    c.prepare_cached("select twilio_auth_token from accounts where twilio_account_sid = ?1 limit 1")
        .and_then(|mut s| s.query_row([account_sid], |r| r.get(0)).optional())
        .map(Option::flatten)
        .map_err(internal)
}

pub fn update_endpoint(
    c: &Connection,
    id: &EndpointId,
    changes: &EndpointChanges,
) -> StoreResult<Endpoint> {
    c.execute(
        "update endpoints set mps = coalesce(?2, mps), help_text = coalesce(?3, help_text),
         sms_enabled = coalesce(?4, sms_enabled) where id = ?1",
        params![
            id.as_str(),
            changes.mps,
            changes.help_text,
            changes.sms_enabled
        ],
    )
    .map_err(internal)?;
    c.query_row(
        "select account_id, customer_id, phone_number, display_name, mps, help_text, sms_enabled
         from endpoints where id = ?1",
        [id.as_str()],
        |r| {
            Ok(Endpoint {
                id: id.clone(),
                account_id: AccountId::from_string(r.get::<_, String>(0)?),
                customer_id: r.get::<_, Option<String>>(1)?.map(CustomerId::from_string),
                number: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                display_name: r.get(3)?,
                mps: r.get(4)?,
                help_text: r.get(5)?,
                sms_enabled: r.get(6)?,
            })
        },
    )
    .optional()
    .map_err(internal)?
    .ok_or_else(|| StoreError::NotFound(format!("endpoint '{id}' does not exist")))
}
