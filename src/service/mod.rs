//! The operations, each a plain async function from (caller, request DTO) to a response or an
//! error. They validate input, hand the caller's account scope to every store call, and know
//! nothing of HTTP framing or SQL.

pub mod auth;
pub mod messages;
pub mod paging;
pub mod sessions;

use crate::domain::{Principal, Role};
use crate::error::{Error, Result};

/// ServiceStack `[RequiredRole]`: the literal role, nothing implied (R63, Q15).
pub fn require_role(caller: &Principal, role: Role) -> Result<()> {
    if caller.has_role(role) {
        Ok(())
    } else {
        Err(Error::InvalidRole)
    }
}
