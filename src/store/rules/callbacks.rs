//! Carrier status callbacks. They arrive at least once, in any order, and sometimes before the
//! worker has written the sid they name; so each one only moves a message forward, and one for
//! an unknown sid is kept until the sid is recorded (CARRIERS.md P2, P7). A carrier account
//! speaks only for its own evo accounts' messages (`CarrierAccount::speaks_for`).

use super::super::StoreResult;
use super::super::backend::{DeliveryTx, ErrorNote, MessagingTx};
use super::status::{accept, move_forward};
use crate::domain::{CarrierStatus, DeliveryStatus, Direction, MessageId, StatusApplied};

/// Who a callback is about, once the facts are read.
enum Target {
    /// Move this message.
    Message(MessageId),
    /// The message the callback URL names has no sid yet: it learns this one (a message evo was
    /// still reconciling), then moves.
    Adopt(MessageId),
    /// The signing carrier account does not speak for the message that holds the sid.
    Foreign,
    /// No message has the sid: keep the callback for when one does.
    Unknown,
}

pub async fn apply<T: DeliveryTx + MessagingTx>(
    tx: &mut T,
    update: CarrierStatus,
) -> StoreResult<StatusApplied> {
    let id = match target(tx, &update).await? {
        Target::Message(id) => id,
        Target::Adopt(id) => {
            accept(tx, &id, &update.sid, DeliveryStatus::Sent, update.at).await?;
            id
        }
        Target::Foreign => return Ok(StatusApplied::Unchanged),
        Target::Unknown => {
            tx.keep_event(&update).await?;
            return Ok(StatusApplied::Pending);
        }
    };
    let error = ErrorNote::Set(update.error.as_deref());
    let moved = move_forward(tx, &id, update.status, update.at, error).await?;
    Ok(if moved {
        StatusApplied::Moved
    } else {
        StatusApplied::Unchanged
    })
}

async fn target<T: DeliveryTx + MessagingTx>(
    tx: &mut T,
    update: &CarrierStatus,
) -> StoreResult<Target> {
    let holder = tx.message_by_carrier_sid(&update.sid).await?;
    let named = match &update.message_id {
        Some(id) => tx
            .callback_target(id)
            .await?
            .filter(|t| update.carrier.speaks_for(t.account_carrier_sid.as_deref()))
            .map(|t| (id.clone(), t)),
        None => None,
    };
    Ok(match (holder, named) {
        // The callback named the message that holds the sid: already checked above.
        (Some(holder), Some((named, _))) if holder == named => Target::Message(holder),
        (Some(holder), _) => {
            let speaks = tx
                .callback_target(&holder)
                .await?
                .is_some_and(|t| update.carrier.speaks_for(t.account_carrier_sid.as_deref()));
            if speaks {
                Target::Message(holder)
            } else {
                Target::Foreign
            }
        }
        (None, Some((named, t)))
            if t.carrier_sid.is_none() && t.direction == Direction::Outgoing =>
        {
            Target::Adopt(named)
        }
        (None, _) => Target::Unknown,
    })
}
