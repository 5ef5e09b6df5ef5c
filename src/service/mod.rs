//! The operations, each a plain async function from (caller, request DTO) to a response or an
//! error. They validate input, hand the caller's account scope to every store call, and know
//! nothing of HTTP framing or SQL.

pub mod auth;
pub mod listing;
pub mod messages;
pub mod opt_outs;
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

/// ServiceStack `[RequiresAnyRole]`: one of the literal roles.
pub fn require_any_role(caller: &Principal, roles: &[Role]) -> Result<()> {
    if roles.iter().any(|r| caller.has_role(*r)) {
        Ok(())
    } else {
        Err(Error::InvalidRole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;

    fn with_roles(roles: &[Role]) -> Principal {
        Principal {
            user_id: UserId::from_string("u"),
            email: "u@x.test".into(),
            first_name: None,
            last_name: None,
            roles: roles.to_vec(),
            accounts: vec![],
        }
    }

    #[test]
    fn any_one_of_the_roles_will_do_and_none_is_implied() {
        let managers = [Role::SystemAdministrator, Role::Manager];
        assert!(require_any_role(&with_roles(&[Role::Manager]), &managers).is_ok());
        assert!(
            require_any_role(
                &with_roles(&[Role::User, Role::SystemAdministrator]),
                &managers
            )
            .is_ok()
        );
        for roles in [&[Role::User][..], &[Role::Customer], &[]] {
            assert!(matches!(
                require_any_role(&with_roles(roles), &managers),
                Err(Error::InvalidRole)
            ));
        }
    }
}
