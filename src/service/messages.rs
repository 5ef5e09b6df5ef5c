//! SendMessage, ListMessages and ListConversations.

use super::listing::{self, SortField, check_filter_sizes, date_field, ids};
use crate::domain::{
    ConversationId, CustomerId, DeliveryRecord, EndpointId, Idempotency, Message, MessageBody,
    MessageId, PhoneNumber, Principal, SessionId, Timestamp,
};
use crate::error::{Error, FieldError, Result};
use crate::store::{
    ConversationQuery, MessagePage, MessageQuery, MessageSort, NewMessage, SendTarget, Store,
};
use crate::wire::Problems;
use crate::wire::dto::{
    GetMessageDelivery, ListConversations, ListMessages, SendMessage, SetUnread, SortOrder,
};
use sha2::{Digest, Sha256};

/// ListConversations has no paging in the contract; it returns this many, most recent first.
pub const MAX_CONVERSATIONS: u64 = 500;
pub use super::listing::MAX_FILTER_IDS;
pub use super::paging::{DEFAULT_PAGE_SIZE, MAX_ALL_ITEMS, MAX_PAGE_SIZE};

/// Longest Idempotency-Key accepted (as Telnyx: 1 to 255 characters).
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

pub async fn send(
    store: &dyn Store,
    caller: &Principal,
    req: SendMessage,
    idempotency_key: Option<&str>,
    now: Timestamp,
) -> Result<Message> {
    let idempotency = idempotency_key
        .map(|key| idempotency(caller, key, &req))
        .transpose()?;
    let mut problems = Problems::default();
    let body = match req.body.as_deref() {
        None => {
            problems.push(FieldError::not_empty("Body"));
            None
        }
        Some(text) => problems.take(check_body(text)),
    };
    let target = match req.session_id {
        Some(session) => Some(SendTarget::Session(SessionId::from_string(session))),
        None => endpoint_target(req.endpoint_id, req.to_address.as_deref(), &mut problems),
    };
    problems.finish()?;
    let (Some(body), Some(target)) = (body, target) else {
        return Err(Error::bad_request("ArgumentException", "Nothing to send"));
    };
    let message = NewMessage {
        target,
        segments: crate::domain::segments(body.as_str()),
        body,
        sender: caller.display_name(),
        date: now,
        idempotency,
    };
    Ok(store.send_message(&caller.scope(), message).await?)
}

/// The key, checked, with a hash of the request it stands for: the same key with another
/// request is refused (422), whatever format either came in.
fn idempotency(caller: &Principal, key: &str, req: &SendMessage) -> Result<Idempotency> {
    let printable = key.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY || !printable {
        return Err(Error::bad_request(
            "InvalidIdempotencyKey",
            format!(
                "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters without spaces"
            ),
        ));
    }
    let mut hash = Sha256::new();
    for part in [
        &req.session_id,
        &req.endpoint_id,
        &req.to_address,
        &req.body,
    ] {
        match part {
            None => hash.update([0u8]),
            Some(text) => {
                hash.update([1u8]);
                hash.update((text.len() as u64).to_be_bytes());
                hash.update(text.as_bytes());
            }
        }
    }
    Ok(Idempotency {
        user: caller.user_id.clone(),
        key: key.to_owned(),
        request_hash: hash.finalize().into(),
    })
}

fn check_body(text: &str) -> Result<MessageBody, FieldError> {
    use crate::domain::MessageBody as B;
    if !crate::domain::settings::is_plain_text(text) {
        return Err(FieldError::new(
            "InvalidCharacters",
            "Body",
            "'Body' must not contain control characters (other than tab and line breaks) or U+FFFE/U+FFFF.",
        ));
    }
    B::parse(text).map_err(|e| {
        let code = match e {
            crate::domain::MessageBodyError::Empty => "NotEmpty",
            crate::domain::MessageBodyError::TooLong(_) => "MaxLength",
        };
        FieldError::new(code, "Body", e.to_string())
    })
}

fn endpoint_target(
    endpoint: Option<String>,
    to: Option<&str>,
    problems: &mut Problems,
) -> Option<SendTarget> {
    if endpoint.is_none() {
        problems.push(FieldError::new(
            "NotEmpty",
            "EndpointId",
            "'EndpointId' must not be empty when no SessionId is given.",
        ));
    }
    let to = match to {
        None => {
            problems.push(FieldError::new(
                "NotEmpty",
                "ToAddress",
                "'ToAddress' must not be empty when no SessionId is given.",
            ));
            None
        }
        Some(to) => problems.take(PhoneNumber::parse(to).map_err(|e| {
            FieldError::new(
                "InvalidPhoneNumber",
                "ToAddress",
                format!("'ToAddress' {e}"),
            )
        })),
    };
    Some(SendTarget::Endpoint {
        endpoint: EndpointId::from_string(endpoint?),
        to: to?,
    })
}

/// A ListMessages page with the totals the `ListResponse` envelope needs.
pub struct MessageList {
    pub page: MessagePage,
    pub total_pages: i64,
    pub has_more_pages: bool,
}

pub async fn list(store: &dyn Store, caller: &Principal, req: ListMessages) -> Result<MessageList> {
    let mut problems = Problems::default();
    // ListMessages has always quoted a refused SortField lower-cased (ListSessions as given).
    let sort_field = req.list.sort_field.as_deref().map(str::to_ascii_lowercase);
    let sort = match listing::sort_field(sort_field.as_deref(), &mut problems) {
        SortField::Date => MessageSort::Date,
        SortField::Id => MessageSort::Id,
    };
    let plan = super::paging::plan(&req.list, &mut problems);
    let after = after_date(req.after_date.as_deref(), &mut problems);
    check_filter_sizes(
        &[
            ("AccountIds", &req.account_ids),
            ("CustomerIds", &req.customer_ids),
            ("EndpointIds", &req.endpoint_ids),
            ("ConversationIds", &req.conversation_ids),
            ("SpecificIds", &req.list.specific_ids),
        ],
        &mut problems,
    );
    problems.finish()?;

    let query = MessageQuery {
        scope: listing::scope(caller, req.account_ids),
        customer_ids: ids(req.customer_ids, CustomerId::from_string),
        endpoint_ids: ids(req.endpoint_ids, EndpointId::from_string),
        conversation_ids: ids(req.conversation_ids, ConversationId::from_string),
        specific_ids: ids(req.list.specific_ids, MessageId::from_string),
        after,
        sort,
        descending: req.list.sort_order != Some(SortOrder::Ascend),
        offset: plan.offset,
        limit: plan.fetch,
        with_total: plan.with_total,
    };
    let mut result = store.list_messages(&query).await?;
    let (total_pages, has_more_pages) = plan.finish(&mut result.items, result.total);
    Ok(MessageList {
        page: result,
        total_pages,
        has_more_pages,
    })
}

pub async fn conversations(
    store: &dyn Store,
    caller: &Principal,
    req: ListConversations,
) -> Result<Vec<crate::domain::Conversation>> {
    let mut problems = Problems::default();
    let after = after_date(req.after_date.as_deref(), &mut problems);
    check_filter_sizes(
        &[
            ("AccountIds", &req.account_ids),
            ("CustomerIds", &req.customer_ids),
            ("EndpointIds", &req.endpoint_ids),
        ],
        &mut problems,
    );
    problems.finish()?;
    let query = ConversationQuery {
        scope: listing::scope(caller, req.account_ids),
        customer_ids: ids(req.customer_ids, CustomerId::from_string),
        endpoint_ids: ids(req.endpoint_ids, EndpointId::from_string),
        after,
        unread_only: req.unread_only,
        limit: MAX_CONVERSATIONS,
    };
    Ok(store.list_conversations(&query).await?)
}

fn after_date(raw: Option<&str>, problems: &mut Problems) -> Option<Timestamp> {
    date_field(raw, "AfterDate", problems)
}

/// A message's delivery details; a message outside the caller's accounts is not found.
pub async fn delivery(
    store: &dyn Store,
    caller: &Principal,
    req: GetMessageDelivery,
) -> Result<DeliveryRecord> {
    let id = req
        .id
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| Error::Validation(vec![FieldError::not_empty("Id")]))?;
    Ok(store
        .delivery_info(&caller.scope(), &MessageId::from_string(id))
        .await?)
}

/// The id and flag of a read-state change; both are required.
fn unread_change(req: SetUnread) -> Result<(String, bool)> {
    let mut problems = Problems::default();
    let id = req.id.filter(|i| !i.trim().is_empty());
    if id.is_none() {
        problems.push(FieldError::not_empty("Id"));
    }
    if req.is_unread.is_none() {
        problems.push(FieldError::new(
            "NotNull",
            "IsUnread",
            "'IsUnread' must be true or false.",
        ));
    }
    problems.finish()?;
    match (id, req.is_unread) {
        (Some(id), Some(unread)) => Ok((id, unread)),
        _ => Err(Error::bad_request("ArgumentException", "Nothing to change")),
    }
}

pub async fn set_conversation_unread(
    store: &dyn Store,
    caller: &Principal,
    req: SetUnread,
) -> Result<crate::domain::Conversation> {
    let (id, unread) = unread_change(req)?;
    Ok(store
        .set_conversation_unread(&caller.scope(), &ConversationId::from_string(id), unread)
        .await?)
}

pub async fn set_message_unread(
    store: &dyn Store,
    caller: &Principal,
    req: SetUnread,
) -> Result<Message> {
    let (id, unread) = unread_change(req)?;
    Ok(store
        .set_message_unread(&caller.scope(), &MessageId::from_string(id), unread)
        .await?)
}
