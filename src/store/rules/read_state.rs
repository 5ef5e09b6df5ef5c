//! Read state (contract Q12, evo extension). Marking a conversation unread marks only its
//! latest incoming message: that is what brings it back to a person's attention.

use super::super::StoreResult;
use super::super::backend::MessagingTx;
use crate::domain::{
    AccountScope, Conversation, ConversationId, Message, MessageId, Missing, Refusal,
};

pub async fn set_conversation_unread<T: MessagingTx>(
    tx: &mut T,
    scope: AccountScope,
    id: ConversationId,
    unread: bool,
) -> StoreResult<Conversation> {
    let missing = || Refusal::NotFound(Missing::Conversation(id.clone()));
    if tx.conversation(&scope, &id).await?.is_none() {
        return Err(missing().into());
    }
    if unread {
        tx.mark_latest_incoming_unread(&id).await?;
    } else {
        tx.mark_conversation_read(&id).await?;
    }
    tx.conversation(&scope, &id)
        .await?
        .ok_or_else(|| missing().into())
}

pub async fn set_message_unread<T: MessagingTx>(
    tx: &mut T,
    scope: AccountScope,
    id: MessageId,
    unread: bool,
) -> StoreResult<Message> {
    let missing = || Refusal::NotFound(Missing::Message(id.clone()));
    if tx.message(&scope, &id).await?.is_none() {
        return Err(missing().into());
    }
    tx.set_message_unread(&id, unread).await?;
    tx.message(&scope, &id)
        .await?
        .ok_or_else(|| missing().into())
}
