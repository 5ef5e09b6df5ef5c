//! Who is calling and which accounts they may see.

use super::{AccountId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    SystemAdministrator,
    Manager,
    Customer,
    User,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::SystemAdministrator,
        Role::Manager,
        Role::Customer,
        Role::User,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdministrator => "SystemAdministrator",
            Role::Manager => "Manager",
            Role::Customer => "Customer",
            Role::User => "User",
        }
    }

    /// Role names are compared exactly, as ServiceStack does.
    pub fn parse(s: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The accounts a caller may read and write. Every store query is filtered by this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountScope {
    /// SystemAdministrator: every account, including ones created after login.
    All,
    Only(Vec<AccountId>),
}

impl AccountScope {
    pub fn allows(&self, account: &AccountId) -> bool {
        match self {
            AccountScope::All => true,
            AccountScope::Only(ids) => ids.contains(account),
        }
    }

    /// Narrows the scope to the requested accounts; ids outside the scope simply match nothing.
    pub fn narrowed_to(&self, requested: &[AccountId]) -> AccountScope {
        if requested.is_empty() {
            return self.clone();
        }
        AccountScope::Only(
            requested
                .iter()
                .filter(|id| self.allows(id))
                .cloned()
                .collect(),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub roles: Vec<Role>,
    /// The accounts granted to the user, with their names, in a stable order.
    pub accounts: Vec<(AccountId, String)>,
}

impl Principal {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn scope(&self) -> AccountScope {
        if self.has_role(Role::SystemAdministrator) {
            AccountScope::All
        } else {
            AccountScope::Only(self.accounts.iter().map(|(id, _)| id.clone()).collect())
        }
    }

    /// "First Last" when a name is known, else the email address.
    pub fn display_name(&self) -> String {
        let name = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if name.is_empty() {
            self.email.clone()
        } else {
            name
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_drops_foreign_accounts() {
        let a = AccountId::from_string("a");
        let b = AccountId::from_string("b");
        let scope = AccountScope::Only(vec![a.clone()]);
        assert_eq!(
            scope.narrowed_to(&[a.clone(), b.clone()]),
            AccountScope::Only(vec![a.clone()])
        );
        assert_eq!(
            scope.narrowed_to(std::slice::from_ref(&b)),
            AccountScope::Only(vec![])
        );
        assert_eq!(
            AccountScope::All.narrowed_to(std::slice::from_ref(&b)),
            AccountScope::Only(vec![b])
        );
    }

    #[test]
    fn role_names_are_exact() {
        assert_eq!(Role::parse("User"), Some(Role::User));
        assert_eq!(Role::parse("user"), None);
    }
}
