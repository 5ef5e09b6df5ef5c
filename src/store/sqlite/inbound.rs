//! Storing incoming messages: once per carrier sid, threaded like outgoing ones, unread.

use super::super::StoreResult;
use super::super::inbound::{InboundMessage, Received};
use super::messages::{MessageRow, Route, insert_message};
use super::sql::internal;
use crate::domain::{AccountId, CustomerId, DeliveryStatus, Direction, EndpointId, MessageId};
use rusqlite::{Connection, OptionalExtension, params};

pub fn receive(c: &Connection, m: &InboundMessage) -> StoreResult<Received> {
    // The single writer runs this whole check-and-insert, so racing duplicates store one row.
    let seen = c
        .prepare_cached("select id from messages where carrier_ref = ?1")
        .and_then(|mut s| s.query_row([&m.sid], |r| r.get::<_, String>(0)).optional())
        .map_err(internal)?;
    if let Some(id) = seen {
        return Ok(Received::Duplicate(MessageId::from_string(id)));
    }
    let endpoint = c
        .prepare_cached(
            "select e.id, e.account_id, e.customer_id, e.display_name, e.sms_enabled
             from endpoints e join accounts a on a.id = e.account_id
             where e.phone_number = ?1 and e.kind = 'PhoneNumber'
               and coalesce(a.twilio_account_sid, ?3) = ?2",
        )
        .and_then(|mut s| {
            let carrier = &m.carrier;
            s.query_row(params![m.to, carrier.signed_by, carrier.server_wide], |r| {
                Ok((
                    Route {
                        endpoint_id: EndpointId::from_string(r.get::<_, String>(0)?),
                        account_id: AccountId::from_string(r.get::<_, String>(1)?),
                        customer_id: r.get::<_, Option<String>>(2)?.map(CustomerId::from_string),
                        endpoint_name: r.get(3)?,
                        other_address: m.from.clone(),
                    },
                    r.get::<_, bool>(4)?,
                ))
            })
            .optional()
        })
        .map_err(internal)?;
    let Some((route, sms_enabled)) = endpoint else {
        return Ok(Received::UnknownNumber);
    };
    if !sms_enabled {
        return Ok(Received::SmsDisabled);
    }
    let id = MessageId::generate();
    let message = insert_message(
        c,
        &route,
        &MessageRow {
            id: &id,
            direction: Direction::Incoming,
            sender: &m.from,
            body: &m.body,
            segments: m.segments,
            status: DeliveryStatus::Received,
            carrier_ref: Some(&m.sid),
            at: m.date,
        },
    )?;
    let mut media = c
        .prepare_cached(
            "insert into message_media (message_id, position, url, content_type) values (?1, ?2, ?3, ?4)",
        )
        .map_err(internal)?;
    for (position, item) in m.media.iter().enumerate() {
        media
            .execute(params![
                id.as_str(),
                position as i64,
                item.url,
                item.content_type
            ])
            .map_err(internal)?;
    }
    let replied = match crate::domain::keyword(&m.body) {
        Some(keyword) => super::opt_out::apply_keyword(c, &route, keyword, m.date)?,
        None => false,
    };
    Ok(Received::Stored {
        message: Box::new(message),
        replied,
    })
}
