//! Moving a message's status, and a message taking its carrier sid: shared by the outbox's
//! outcomes (`delivery`) and the carrier's callbacks (`callbacks`).

use super::super::StoreResult;
use super::super::backend::{DeliveryTx, ErrorNote, MessagingTx, StatusMove};
use crate::domain::{DeliveryStatus, MessageId, Refusal, Timestamp};

/// The carrier has the message: record its sid (a sid belongs to one message), move it to
/// `status`, take it out of the outbox, then apply the callbacks that came before the sid.
pub async fn accept<T: DeliveryTx + MessagingTx>(
    tx: &mut T,
    id: &MessageId,
    sid: &str,
    status: DeliveryStatus,
    now: Timestamp,
) -> StoreResult<()> {
    if let Some(holder) = tx.message_by_carrier_sid(sid).await?
        && &holder != id
    {
        return Err(Refusal::CarrierSidTaken(sid.to_owned()).into());
    }
    let from = DeliveryStatus::predecessors(status);
    let change = StatusMove {
        to: status,
        from: &from,
        at: now,
        error: ErrorNote::Clear,
        finished: status.is_terminal(),
    };
    tx.record_sid(id, sid, &change).await?;
    tx.dequeue(id, None).await?;
    apply_pending(tx, id, sid, now).await
}

/// Applies, strongest first, the callbacks that came for `sid` before it was recorded.
pub async fn apply_pending<T: DeliveryTx>(
    tx: &mut T,
    id: &MessageId,
    sid: &str,
    now: Timestamp,
) -> StoreResult<()> {
    let mut events = tx.pending_events(sid).await?;
    if events.is_empty() {
        return Ok(());
    }
    events.sort_by_key(|(status, _)| std::cmp::Reverse(status.rank()));
    for (status, error) in &events {
        let note = ErrorNote::Set(error.as_deref());
        move_forward(tx, id, *status, now, note).await?;
    }
    tx.drop_events(sid).await
}

/// Moves the message to `status` if `DeliveryStatus::may_become` allows it (a terminal status
/// also sets the finished date); whether it moved.
pub async fn move_forward<T: DeliveryTx>(
    tx: &mut T,
    id: &MessageId,
    status: DeliveryStatus,
    at: Timestamp,
    error: ErrorNote<'_>,
) -> StoreResult<bool> {
    let from = DeliveryStatus::predecessors(status);
    let change = StatusMove {
        to: status,
        from: &from,
        at,
        error,
        finished: status.is_terminal(),
    };
    tx.move_status(id, &change).await
}
