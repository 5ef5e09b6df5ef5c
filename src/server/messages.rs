//! Routes of the messaging resource: SendMessage, ListMessages, ListConversations (R3, R5).

use super::AppState;
use super::extract::Caller;
use crate::domain::Role;
use crate::error::Result;
use crate::service::messages;
use crate::wire::dto::{
    ListConversations, ListConversationsResponse, ListMessages, ListResponse, MessageInfo,
    SendMessage,
};
use crate::wire::{Bound, Dto, Reply};
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        // R3: GET (and HEAD) on /messages is ListMessages; every other verb is SendMessage.
        .route(
            "/messages",
            get(list_messages)
                .post(send_message)
                .put(send_message)
                .patch(send_message)
                .delete(send_message),
        )
        .route("/sessions/{sessionId}/messages", post(send_message))
        .route("/conversations", get(list_conversations))
}

async fn send_message(
    State(state): State<AppState>,
    caller: Caller,
    Bound(req): Bound<SendMessage>,
) -> Result<Reply> {
    let principal = caller.require(Role::User)?;
    let message = messages::send(state.store.as_ref(), principal, req).await?;
    Ok(Reply::of(&MessageInfo(&message)))
}

async fn list_messages(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Bound(req): Bound<ListMessages>,
) -> Result<Reply> {
    let list = messages::list(state.store.as_ref(), &principal, req).await?;
    let response = ListResponse {
        items: list.page.items.iter().map(MessageInfo).collect(),
        total_count: i64::try_from(list.page.total.unwrap_or(0)).unwrap_or(i64::MAX),
        total_pages: list.total_pages,
        has_more_pages: list.has_more_pages,
        xml_name: "ListResponseOfMessageInfo",
    };
    Ok(Reply(response.to_wire()))
}

async fn list_conversations(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Bound(req): Bound<ListConversations>,
) -> Result<Reply> {
    let conversations = messages::conversations(state.store.as_ref(), &principal, req).await?;
    Ok(Reply::of(&ListConversationsResponse(conversations)))
}
