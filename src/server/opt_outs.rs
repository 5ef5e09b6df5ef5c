//! Opt-out management (issue #6): ListOptOuts and DeleteOptOut, for managers of the endpoint's
//! account and system administrators.

use super::operation::{Access, Call, Operation, Route, Verb};
use crate::domain::Role;
use crate::error::Result;
use crate::service::opt_outs;
use crate::wire::Reply;
use crate::wire::dto::opt_outs as defs;
use crate::wire::dto::{DeleteOptOut, ListOptOuts, ListOptOutsResponse};

/// Opt-outs are compliance records: an account's managers look after them, not its users.
const MANAGERS: &[Role] = &[Role::SystemAdministrator, Role::Manager];

pub static LIST_OPT_OUTS: Operation = Operation {
    request: &defs::LIST_OPT_OUTS,
    response: Some(&defs::LIST_OPT_OUTS_RESPONSE),
    routes: &[Route {
        path: "/endpoints/{endpointId}/opt-outs",
        verbs: &[Verb::Get],
    }],
    changes_data: false,
    access: Access::AnyRole(MANAGERS),
    handler: |call| Box::pin(list_opt_outs(call)),
};

pub static DELETE_OPT_OUT: Operation = Operation {
    request: &defs::DELETE_OPT_OUT,
    response: None,
    routes: &[Route {
        path: "/endpoints/{endpointId}/opt-outs/{address}",
        verbs: &[Verb::Delete],
    }],
    changes_data: true,
    access: Access::AnyRole(MANAGERS),
    handler: |call| Box::pin(delete_opt_out(call)),
};

async fn list_opt_outs(call: Call) -> Result<Reply> {
    let req: ListOptOuts = call.bind()?;
    let list = opt_outs::list(call.state.store.as_ref(), call.principal()?, req).await?;
    Ok(Reply::of(&ListOptOutsResponse(list)))
}

async fn delete_opt_out(call: Call) -> Result<Reply> {
    let req: DeleteOptOut = call.bind()?;
    opt_outs::delete(call.state.store.as_ref(), call.principal()?, req).await?;
    Ok(Reply::no_content())
}
