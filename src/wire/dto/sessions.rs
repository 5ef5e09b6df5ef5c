//! Session DTOs: ListSessions, GetSession, GetMySessions, GetActiveSessions, EndSession,
//! GetChatTranscript and their responses (contract a.2, b.2, b.4).

use super::defs;
use super::list::ListRequest;
use crate::domain::{Session, TranscriptLine};
use crate::error::Error;
use crate::wire::fields::{Fields, FromFields, Problems};
use crate::wire::value::{Dto, Object, Value, ns};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListSessions {
    pub list: ListRequest,
    pub account_ids: Vec<String>,
    pub customer_ids: Vec<String>,
    pub endpoint_ids: Vec<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub log: Option<String>,
    pub parent_session_id: Option<String>,
}

impl FromFields for ListSessions {
    fn from_fields(f: &Fields) -> Result<Self, Error> {
        let mut problems = Problems::default();
        let list = ListRequest::bind(f, &mut problems);
        let _archive = problems.take(f.bool("SearchArchive"));
        problems.finish()?;
        let text = |name| f.text(name).map(str::to_owned);
        Ok(Self {
            list,
            account_ids: f.list("AccountIds"),
            customer_ids: f.list("CustomerIds"),
            endpoint_ids: f.list("EndpointIds"),
            start_date: text("StartDate"),
            end_date: text("EndDate"),
            from: text("From"),
            to: text("To"),
            log: text("Log"),
            parent_session_id: text("ParentSessionId"),
        })
    }
}

/// GetSession and EndSession: the session named in the path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionRef {
    pub session_id: Option<String>,
}

impl FromFields for SessionRef {
    fn from_fields(f: &Fields) -> Result<Self, Error> {
        Ok(Self {
            session_id: f.text("SessionId").map(str::to_owned),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetChatTranscript {
    pub session_id: Option<String>,
    pub include_historical: bool,
    pub historical_cut_off_date: Option<String>,
}

impl FromFields for GetChatTranscript {
    fn from_fields(f: &Fields) -> Result<Self, Error> {
        let mut problems = Problems::default();
        let include = problems.take(f.bool("IncludeHistorical")).flatten();
        problems.finish()?;
        Ok(Self {
            session_id: f.text("SessionId").map(str::to_owned),
            include_historical: include.unwrap_or(false),
            historical_cut_off_date: f.text("HistoricalCutOffDate").map(str::to_owned),
        })
    }
}

/// SessionInfo for a Chat session: the remote party is FromAddress, the endpoint's number
/// ToAddress; voice-only fields keep their defaults. EntityInfo's fields come last (R31).
pub struct SessionInfo<'a>(pub &'a Session);

impl Dto for SessionInfo<'_> {
    fn to_wire(&self) -> Object {
        let s = self.0;
        let crumbs: Vec<Object> = s
            .breadcrumb
            .iter()
            .map(|(id, name)| {
                Object::new("CustomerBreadcrumb", ns::API)
                    .field("Id", id.as_str())
                    .field("Name", name.as_str())
            })
            .collect();
        let none = Value::Null;
        Object::new("SessionInfo", ns::SESSIONS)
            .field("DialState", Value::Enum("None"))
            .field("CallState", Value::Enum("Disconnected"))
            .field("QueueState", Value::Enum("None"))
            .field("AccountId", s.account_id.as_str())
            .field("AccountName", s.account_name.as_str())
            .field("CustomerId", s.customer_id.as_ref().map(|c| c.as_str()))
            .field("CustomerBreadcrumb", crumbs)
            .field("CustomerName", s.customer_name.as_deref())
            .field("EndpointId", s.endpoint_id.as_str())
            .field("EndpointName", s.endpoint_name.as_str())
            .field("DateCompleted", s.ended.map(|t| t.to_rfc3339()))
            .field("Destination", none.clone())
            .field("ToAddress", s.endpoint_number.as_str())
            .field("FromAddress", s.other_address.as_str())
            .field("FromName", none.clone())
            .field("AnsweredByName", none.clone())
            .field("QueueMemberId", none.clone())
            .field("Channel", Value::Enum("Chat"))
            .field("Ended", s.ended.is_some())
            .field("Outcome", none.clone())
            .field("CallSid", none.clone())
            .field("ConsoleData", none.clone())
            .field("HoldQueueName", none.clone())
            .field("HeldByUserId", none.clone())
            .field("HoldReason", Value::Enum("None"))
            .field("ConferenceSid", none.clone())
            .field("Id", s.id.as_str())
            .field("DateCreated", s.created.to_rfc3339())
            .field(
                "DateLastModified",
                s.ended.unwrap_or(s.last_activity).to_rfc3339(),
            )
            .field("CreatedBy", none.clone())
            .field("LastModifiedBy", none)
    }
}

/// GetMySessionsResponse / GetActiveSessionsResponse: `Sessions`.
pub struct SessionsResponse<'a> {
    pub def: &'static crate::wire::schema::DtoDef,
    pub sessions: &'a [Session],
}

impl Dto for SessionsResponse<'_> {
    fn to_wire(&self) -> Object {
        Object::new(self.def.name, ns::SESSIONS)
            .field(
                "Sessions",
                self.sessions
                    .iter()
                    .map(|s| SessionInfo(s).to_wire())
                    .collect::<Vec<_>>(),
            )
            .list_of("Sessions", &defs::SESSION_INFO)
    }
}

pub struct ChatTranscript<'a>(pub &'a [TranscriptLine]);

impl Dto for ChatTranscript<'_> {
    fn to_wire(&self) -> Object {
        let lines: Vec<Object> = self
            .0
            .iter()
            .map(|l| {
                // One attachment per transcript line in the contract: the first is shown.
                let media = l.media.first();
                Object::new("ChatTranscriptMessage", ns::SESSIONS)
                    .field("Date", l.date.to_rfc3339())
                    .field("From", l.from.as_str())
                    .field("Body", l.body.as_str())
                    .field("MediaUri", media.map(|m| m.url.as_str()))
                    .field("MediaContentType", media.map(|m| m.content_type.as_str()))
            })
            .collect();
        Object::new("GetChatTranscriptResponse", ns::SESSIONS)
            .field("Messages", lines)
            .list_of("Messages", &defs::CHAT_TRANSCRIPT_MESSAGE)
    }
}
