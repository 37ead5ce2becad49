//! Accounts as the services see them.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::email::Email;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "user" => Some(Self::User),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A new account; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub email: Email,
    pub password_hash: String,
    pub role: Role,
    pub email_verified: bool,
}

/// What the staff account list narrows to and its order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    /// Part of an email, or whole words of a name (names are encrypted: found by their blind
    /// index, word by word).
    pub search: Option<String>,
    pub role: Option<Role>,
    pub sort: UserSort,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UserSort {
    #[default]
    Newest,
    Oldest,
    EmailAsc,
    EmailDesc,
}

/// What a role change came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleChange {
    /// Changed (or already so); carries the role it had.
    Changed {
        from: Role,
    },
    NotFound,
    /// It is the last admin: the store would have no one to run it.
    LastAdmin,
}
