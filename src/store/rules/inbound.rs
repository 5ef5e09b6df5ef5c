//! Storing an incoming message: once per carrier sid, only for a number the signing carrier
//! account speaks for, not at all for an endpoint with SMS off; then STOP/START/HELP.

use super::super::backend::{MessagingTx, NewRow, OptOutTx, Route};
use super::super::{StoreError, StoreResult};
use super::sending::written;
use crate::domain::{
    DeliveryStatus, Direction, Endpoint, EndpointKind, InboundMessage, Keyword, MessageId,
    Received, Timestamp, help_reply, keyword,
};

pub async fn receive<T: MessagingTx + OptOutTx>(
    tx: &mut T,
    m: &InboundMessage,
) -> StoreResult<Received> {
    if let Some(id) = tx.message_by_carrier_sid(&m.sid).await? {
        return Ok(Received::Duplicate(id));
    }
    let Some(found) = tx.inbound_endpoint(&m.to).await? else {
        return Ok(Received::UnknownNumber);
    };
    let endpoint = found.endpoint;
    let speaks = m.carrier.speaks_for(found.account_carrier_sid.as_deref());
    if endpoint.kind != EndpointKind::PhoneNumber || !speaks {
        return Ok(Received::UnknownNumber);
    }
    if !endpoint.sms_enabled {
        return Ok(Received::SmsDisabled);
    }
    let route = Route {
        account_id: endpoint.account_id.clone(),
        customer_id: endpoint.customer_id.clone(),
        endpoint_id: endpoint.id.clone(),
        endpoint_name: endpoint.display_name.clone(),
        other_address: m.from.clone(),
    };
    let id = MessageId::generate();
    let row = NewRow {
        id: &id,
        direction: Direction::Incoming,
        sender: &m.from,
        body: &m.body,
        segments: m.segments,
        status: DeliveryStatus::Received,
        carrier_ref: Some(&m.sid),
        at: m.date,
    };
    // Another delivery of this sid committed since the check above: undo and look again.
    let Some(message) = tx.thread_message(&route, &row).await? else {
        return Err(StoreError::Raced);
    };
    tx.insert_media(&id, &m.media).await?;
    let replied = match keyword(&m.body) {
        Some(word) => act_on(tx, &route, &endpoint, word, m.date).await?,
        None => false,
    };
    Ok(Received::Stored {
        message: Box::new(message),
        replied,
    })
}

/// Acts on a keyword just received from `route.other_address`; whether a reply was queued.
async fn act_on<T: MessagingTx + OptOutTx>(
    tx: &mut T,
    route: &Route,
    endpoint: &Endpoint,
    word: Keyword,
    now: Timestamp,
) -> StoreResult<bool> {
    match word {
        Keyword::OptOut => {
            tx.add_opt_out(&route.endpoint_id, &route.other_address, now)
                .await?;
            Ok(false)
        }
        Keyword::OptIn => {
            tx.remove_opt_out(&route.endpoint_id, &route.other_address)
                .await?;
            Ok(false)
        }
        Keyword::Help => {
            let text = help_reply(endpoint.help_text.as_deref(), &route.endpoint_name);
            let id = MessageId::generate();
            let row = NewRow {
                id: &id,
                direction: Direction::Outgoing,
                sender: &route.endpoint_name,
                body: &text,
                segments: crate::domain::segments(&text),
                status: DeliveryStatus::Queued,
                carrier_ref: None,
                at: now,
            };
            written(tx.thread_message(route, &row).await?)?;
            tx.enqueue(&id, now).await?;
            Ok(true)
        }
    }
}
