//! The session operations (contract a.2): ListSessions, GetSession, GetMySessions,
//! GetActiveSessions, EndSession, GetChatTranscript.

use super::operation::{Access, Call, Operation, Route, Verb};
use crate::domain::Role;
use crate::error::Result;
use crate::service::sessions;
use crate::wire::dto::defs;
use crate::wire::dto::{
    ChatTranscript, GetChatTranscript, ListResponse, ListSessions, SessionInfo, SessionRef,
    SessionsResponse,
};
use crate::wire::{Dto, Reply};

pub static LIST_SESSIONS: Operation = Operation {
    request: &defs::LIST_SESSIONS,
    response: Some(&defs::LIST_RESPONSE_OF_SESSION_INFO),
    routes: &[Route {
        path: "/sessions",
        verbs: &[Verb::Get],
    }],
    changes_data: false,
    access: Access::Authenticated,
    handler: |call| Box::pin(list_sessions(call)),
};

pub static GET_SESSION: Operation = Operation {
    request: &defs::GET_SESSION,
    response: Some(&defs::SESSION_INFO),
    routes: &[Route {
        path: "/sessions/{sessionId}",
        verbs: &[Verb::Get],
    }],
    changes_data: false,
    access: Access::Authenticated,
    handler: |call| Box::pin(get_session(call)),
};

pub static GET_MY_SESSIONS: Operation = Operation {
    request: &defs::GET_MY_SESSIONS,
    response: Some(&defs::GET_MY_SESSIONS_RESPONSE),
    routes: &[Route {
        path: "/sessions/my",
        verbs: &[Verb::Get],
    }],
    changes_data: false,
    access: Access::Role(Role::User),
    handler: |call| Box::pin(open_sessions(call, &defs::GET_MY_SESSIONS_RESPONSE)),
};

pub static GET_ACTIVE_SESSIONS: Operation = Operation {
    request: &defs::GET_ACTIVE_SESSIONS,
    response: Some(&defs::GET_ACTIVE_SESSIONS_RESPONSE),
    routes: &[Route {
        path: "/sessions/active",
        verbs: &[Verb::Get],
    }],
    changes_data: false,
    access: Access::Role(Role::User),
    handler: |call| Box::pin(open_sessions(call, &defs::GET_ACTIVE_SESSIONS_RESPONSE)),
};

pub static END_SESSION: Operation = Operation {
    request: &defs::END_SESSION,
    response: None,
    routes: &[Route {
        path: "/sessions/{sessionId}",
        verbs: &[Verb::Delete],
    }],
    changes_data: true,
    access: Access::Role(Role::User),
    handler: |call| Box::pin(end_session(call)),
};

pub static GET_CHAT_TRANSCRIPT: Operation = Operation {
    request: &defs::GET_CHAT_TRANSCRIPT,
    response: Some(&defs::GET_CHAT_TRANSCRIPT_RESPONSE),
    routes: &[Route {
        path: "/sessions/{sessionId}/transcript",
        verbs: &[Verb::Get],
    }],
    // Reading as a User marks the messages read.
    changes_data: true,
    access: Access::Role(Role::User),
    handler: |call| Box::pin(get_chat_transcript(call)),
};

async fn list_sessions(call: Call) -> Result<Reply> {
    let req: ListSessions = call.bind()?;
    let list = sessions::list(call.state.store.as_ref(), call.principal()?, req).await?;
    let response = ListResponse {
        items: list.items.iter().map(SessionInfo).collect(),
        total_count: i64::try_from(list.total).unwrap_or(i64::MAX),
        total_pages: list.total_pages,
        has_more_pages: list.has_more_pages,
        def: &defs::LIST_RESPONSE_OF_SESSION_INFO,
        item: &defs::SESSION_INFO,
    };
    Ok(Reply::new(response.to_wire()))
}

async fn get_session(call: Call) -> Result<Reply> {
    let req: SessionRef = call.bind()?;
    let session = sessions::get(call.state.store.as_ref(), call.principal()?, req).await?;
    Ok(Reply::of(&SessionInfo(&session)))
}

async fn open_sessions(call: Call, def: &'static crate::wire::schema::DtoDef) -> Result<Reply> {
    let open = sessions::open(call.state.store.as_ref(), call.principal()?).await?;
    Ok(Reply::of(&SessionsResponse {
        def,
        sessions: &open,
    }))
}

async fn end_session(call: Call) -> Result<Reply> {
    let req: SessionRef = call.bind()?;
    sessions::end(call.state.store.as_ref(), call.principal()?, req).await?;
    Ok(Reply::no_content())
}

async fn get_chat_transcript(call: Call) -> Result<Reply> {
    let req: GetChatTranscript = call.bind()?;
    let lines = sessions::transcript(
        call.state.store.as_ref(),
        call.principal()?,
        req,
        call.state.clock.now(),
    )
    .await?;
    Ok(Reply::of(&ChatTranscript(&lines)))
}
