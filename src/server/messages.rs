//! The messaging operations: SendMessage, ListMessages, ListConversations (R3, R5).

use super::operation::{Access, Call, Operation, Route, Verb};
use crate::domain::Role;
use crate::error::Result;
use crate::service::messages;
use crate::wire::dto::defs;
use crate::wire::dto::{
    ConversationInfo, DeliveryInfo, GetMessageDelivery, ListConversations,
    ListConversationsResponse, ListMessages, ListResponse, MessageInfo, SendMessage, SetUnread,
};
use crate::wire::{Dto, Reply};

pub static SEND_MESSAGE: Operation = Operation {
    request: &defs::SEND_MESSAGE,
    response: Some(&defs::MESSAGE_INFO),
    routes: &[
        Route {
            path: "/sessions/{sessionId}/messages",
            verbs: &[Verb::Post],
        },
        // All Verbs, as Evo Voice declares it; R3 gives GET (and HEAD) to ListMessages.
        Route {
            path: "/messages",
            verbs: &[],
        },
    ],
    changes_data: true,
    access: Access::Role(Role::User),
    handler: |call| Box::pin(send_message(call)),
};

pub static LIST_MESSAGES: Operation = Operation {
    request: &defs::LIST_MESSAGES,
    response: Some(&defs::LIST_RESPONSE_OF_MESSAGE_INFO),
    routes: &[Route {
        path: "/messages",
        verbs: &[Verb::Get],
    }],
    changes_data: false,
    access: Access::Authenticated,
    handler: |call| Box::pin(list_messages(call)),
};

pub static LIST_CONVERSATIONS: Operation = Operation {
    request: &defs::LIST_CONVERSATIONS,
    response: Some(&defs::LIST_CONVERSATIONS_RESPONSE),
    routes: &[Route {
        path: "/conversations",
        verbs: &[Verb::Get],
    }],
    changes_data: false,
    access: Access::Authenticated,
    handler: |call| Box::pin(list_conversations(call)),
};

/// evo extension (contract Q12): mark a conversation read (or its latest message unread).
pub static PATCH_CONVERSATION: Operation = Operation {
    request: &defs::PATCH_CONVERSATION,
    response: Some(&defs::CONVERSATION_INFO),
    routes: &[Route {
        path: "/conversations/{id}",
        verbs: &[Verb::Patch],
    }],
    changes_data: true,
    access: Access::Authenticated,
    handler: |call| Box::pin(patch_conversation(call)),
};

/// evo extension (contract Q12): mark one message read or unread.
pub static PATCH_MESSAGE: Operation = Operation {
    request: &defs::PATCH_MESSAGE,
    response: Some(&defs::MESSAGE_INFO),
    routes: &[Route {
        path: "/messages/{id}",
        verbs: &[Verb::Patch],
    }],
    changes_data: true,
    access: Access::Authenticated,
    handler: |call| Box::pin(patch_message(call)),
};

async fn patch_conversation(call: Call) -> Result<Reply> {
    let req: SetUnread = call.bind()?;
    let c = messages::set_conversation_unread(call.state.store.as_ref(), call.principal()?, req)
        .await?;
    Ok(Reply::of(&ConversationInfo(&c)))
}

async fn patch_message(call: Call) -> Result<Reply> {
    let req: SetUnread = call.bind()?;
    let m = messages::set_message_unread(call.state.store.as_ref(), call.principal()?, req).await?;
    Ok(Reply::of(&MessageInfo(&m)))
}

/// evo extension: what became of an outgoing message.
pub static GET_MESSAGE_DELIVERY: Operation = Operation {
    request: &defs::GET_MESSAGE_DELIVERY,
    response: Some(&defs::DELIVERY_INFO),
    routes: &[Route {
        path: "/messages/{id}/delivery",
        verbs: &[Verb::Get],
    }],
    changes_data: false,
    access: Access::Role(Role::User),
    handler: |call| Box::pin(get_message_delivery(call)),
};

async fn get_message_delivery(call: Call) -> Result<Reply> {
    let req: GetMessageDelivery = call.bind()?;
    let record = messages::delivery(call.state.store.as_ref(), call.principal()?, req).await?;
    Ok(Reply::of(&DeliveryInfo(&record)))
}

async fn send_message(call: Call) -> Result<Reply> {
    let req: SendMessage = call.bind()?;
    let key = idempotency_key(&call.headers)?;
    let message = messages::send(
        call.state.store.as_ref(),
        call.principal()?,
        req,
        key,
        call.state.clock.now(),
    )
    .await?;
    Ok(Reply::of(&MessageInfo(&message)))
}

async fn list_messages(call: Call) -> Result<Reply> {
    let req: ListMessages = call.bind()?;
    let list = messages::list(call.state.store.as_ref(), call.principal()?, req).await?;
    let response = ListResponse {
        items: list.page.items.iter().map(MessageInfo).collect(),
        total_count: i64::try_from(list.page.total.unwrap_or(0)).unwrap_or(i64::MAX),
        total_pages: list.total_pages,
        has_more_pages: list.has_more_pages,
        def: &defs::LIST_RESPONSE_OF_MESSAGE_INFO,
        item: &defs::MESSAGE_INFO,
    };
    Ok(Reply::new(response.to_wire()))
}

async fn list_conversations(call: Call) -> Result<Reply> {
    let req: ListConversations = call.bind()?;
    let conversations =
        messages::conversations(call.state.store.as_ref(), call.principal()?, req).await?;
    Ok(Reply::of(&ListConversationsResponse(conversations)))
}

/// The `Idempotency-Key` header, if any; one that is not text is a 400.
fn idempotency_key(headers: &axum::http::HeaderMap) -> Result<Option<&str>> {
    headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str().map_err(|_| {
                crate::error::Error::bad_request(
                    "InvalidIdempotencyKey",
                    "Idempotency-Key must be printable ASCII",
                )
            })
        })
        .transpose()
}
