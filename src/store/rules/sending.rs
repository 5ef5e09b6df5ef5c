//! SendMessage: replay or take the Idempotency-Key, resolve where the message goes, refuse what
//! may not be sent, then write the message and its outbox row.

use super::super::backend::{MessagingTx, NewRow, OptOutTx, Route, TenancyTx};
use super::super::queries::{NewMessage, SendTarget};
use super::super::{StoreError, StoreResult};
use super::scope::scoped_endpoint;
use crate::domain::policy::IDEMPOTENCY_WINDOW_MS;
use crate::domain::{
    AccountScope, DeliveryStatus, Direction, EndpointId, EndpointKind, Idempotency, Message,
    MessageId, Missing, PhoneNumber, Refusal, SessionId,
};

pub async fn send<T: MessagingTx + OptOutTx + TenancyTx>(
    tx: &mut T,
    scope: AccountScope,
    m: NewMessage,
) -> StoreResult<Message> {
    let id = MessageId::generate();
    // The key is taken first, in the same transaction as the message: of racing first uses,
    // one takes it and the others find it held, and replay once the winner has committed.
    if let Some(key) = &m.idempotency {
        let stale_before = m.date.plus_millis(-IDEMPOTENCY_WINDOW_MS);
        if let Some((hash, original)) = tx
            .claim_idempotency_key(key, &id, m.date, stale_before)
            .await?
        {
            return replay(tx, &scope, key, &hash, original).await;
        }
    }
    let route = match &m.target {
        SendTarget::Session(session) => session_route(tx, &scope, session).await?,
        SendTarget::Endpoint { endpoint, to } => endpoint_route(tx, &scope, endpoint, to).await?,
    };
    if tx
        .is_opted_out(&route.endpoint_id, &route.other_address)
        .await?
    {
        return Err(Refusal::RecipientOptedOut(route.other_address).into());
    }
    let row = NewRow {
        id: &id,
        direction: Direction::Outgoing,
        sender: &m.sender,
        body: m.body.as_str(),
        segments: m.segments,
        status: DeliveryStatus::Queued,
        carrier_ref: None,
        at: m.date,
    };
    let message = written(tx.thread_message(&route, &row).await?)?;
    tx.enqueue(&id, m.date).await?;
    Ok(message)
}

/// The first message sent with this key, if the request is the same one. The caller may have
/// lost access to the account since: then it is not found.
async fn replay<T: MessagingTx>(
    tx: &mut T,
    scope: &AccountScope,
    key: &Idempotency,
    hash: &[u8],
    original: MessageId,
) -> StoreResult<Message> {
    if hash != key.request_hash {
        return Err(Refusal::IdempotencyKeyReused(key.key.clone()).into());
    }
    tx.message(scope, &original)
        .await?
        .ok_or_else(|| Refusal::NotFound(Missing::Message(original)).into())
}

async fn endpoint_route<T: TenancyTx>(
    tx: &mut T,
    scope: &AccountScope,
    id: &EndpointId,
    to: &PhoneNumber,
) -> StoreResult<Route> {
    let endpoint = scoped_endpoint(tx, scope, id).await?;
    if endpoint.kind != EndpointKind::PhoneNumber {
        return Err(Refusal::NotAPhoneNumber(endpoint.id).into());
    }
    if !endpoint.sms_enabled {
        return Err(Refusal::SmsDisabled(endpoint.id).into());
    }
    Ok(Route {
        account_id: endpoint.account_id,
        customer_id: endpoint.customer_id,
        endpoint_id: endpoint.id,
        endpoint_name: endpoint.display_name,
        other_address: to.as_str().to_owned(),
    })
}

async fn session_route<T: MessagingTx>(
    tx: &mut T,
    scope: &AccountScope,
    id: &SessionId,
) -> StoreResult<Route> {
    let Some(found) = tx.session_route(scope, id).await? else {
        return Err(Refusal::NotFound(Missing::Session(id.clone())).into());
    };
    if found.ended.is_some() {
        return Err(Refusal::SessionEnded(id.clone()).into());
    }
    Ok(found.route)
}

/// An outgoing message has no carrier sid yet, so writing it cannot collide with one.
pub(super) fn written(message: Option<Message>) -> StoreResult<Message> {
    message.ok_or_else(|| {
        StoreError::Internal(anyhow::anyhow!(
            "an outgoing message without a carrier sid was refused as a duplicate"
        ))
    })
}
