//! Read state (contract Q12, evo extension): marking a conversation or a message read or unread.

use super::super::{ConversationQuery, StoreError, StoreResult};
use super::messages::{conversations, message_by_id};
use super::sql::{internal, scope_filter, where_clause};
use crate::domain::{AccountScope, Conversation, ConversationId, Message, MessageId};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

fn in_scope(c: &Connection, table: &str, scope: &AccountScope, id: &str) -> StoreResult<bool> {
    let (mut conds, mut args) = (vec!["id = ?".to_owned()], vec![Value::Text(id.to_owned())]);
    scope_filter(scope, "account_id", &mut conds, &mut args);
    c.prepare_cached(&format!("select 1 from {table} {}", where_clause(&conds)))
        .and_then(|mut s| s.query_row(params_from_iter(args), |_| Ok(())).optional())
        .map(|found| found.is_some())
        .map_err(internal)
}

pub fn set_conversation_unread(
    c: &Connection,
    scope: &AccountScope,
    id: &ConversationId,
    unread: bool,
) -> StoreResult<Conversation> {
    if !in_scope(c, "conversations", scope, id.as_str())? {
        return Err(StoreError::NotFound(format!(
            "Conversation '{id}' not found"
        )));
    }
    let sql = if unread {
        "update messages set is_unread = 1 where id = (
           select id from messages where conversation_id = ?1 and direction = 'Incoming'
           order by created_at desc, id desc limit 1)"
    } else {
        "update messages set is_unread = 0 where conversation_id = ?1 and is_unread = 1"
    };
    c.prepare_cached(sql)
        .and_then(|mut s| s.execute([id.as_str()]))
        .map_err(internal)?;
    let (account, endpoint): (String, String) = c
        .prepare_cached("select account_id, endpoint_id from conversations where id = ?1")
        .and_then(|mut s| s.query_row([id.as_str()], |r| Ok((r.get(0)?, r.get(1)?))))
        .map_err(internal)?;
    // Read back through the list query, so the answer is exactly what ListConversations shows.
    let found = conversations(
        c,
        &ConversationQuery {
            scope: AccountScope::Only(vec![crate::domain::AccountId::from_string(account)]),
            customer_ids: Vec::new(),
            endpoint_ids: vec![crate::domain::EndpointId::from_string(endpoint)],
            after: None,
            unread_only: false,
            limit: u64::MAX >> 1,
        },
    )?;
    found
        .into_iter()
        .find(|conv| &conv.id == id)
        .ok_or_else(|| StoreError::NotFound(format!("Conversation '{id}' not found")))
}

pub fn set_message_unread(
    c: &Connection,
    scope: &AccountScope,
    id: &MessageId,
    unread: bool,
) -> StoreResult<Message> {
    if !in_scope(c, "messages", scope, id.as_str())? {
        return Err(StoreError::NotFound(format!("Message '{id}' not found")));
    }
    c.prepare_cached("update messages set is_unread = ?2 where id = ?1")
        .and_then(|mut s| s.execute(params![id.as_str(), unread]))
        .map_err(internal)?;
    message_by_id(c, id)
}
