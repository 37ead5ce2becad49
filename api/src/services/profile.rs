//! The signed-in shopper's own account: profile, password change and address book.

use uuid::Uuid;

use super::{
    ServiceError, ServiceResult,
    auth::{AuthService, Principal},
};
use crate::{
    domain::{InvalidField, password_policy, text, user::User},
    repos::{Address, AddressFields, RepoError, Repos},
};

/// Most addresses one account keeps.
pub const MAX_ADDRESSES: u64 = 20;

#[derive(Clone)]
pub struct ProfileService {
    repos: Repos,
    /// Hashes passwords and ends the other sessions after a change.
    auth: AuthService,
}

#[derive(Debug, Default)]
pub struct ProfileChanges {
    pub name: Option<String>,
    pub current_password: Option<String>,
    pub new_password: Option<String>,
}

impl ProfileService {
    pub fn new(repos: Repos, auth: AuthService) -> Self {
        Self { repos, auth }
    }

    pub async fn me(&self, who: &Principal) -> ServiceResult<User> {
        self.repos
            .users
            .find_by_id(who.user_id)
            .await?
            .ok_or(ServiceError::Unauthenticated("unauthenticated"))
    }

    /// A new password needs the current one and ends every other session of the account.
    pub async fn update(&self, who: &Principal, changes: ProfileChanges) -> ServiceResult<User> {
        let mut errors = Vec::new();
        let name = changes
            .name
            .as_deref()
            .map(|n| text::PERSON_NAME.check("name", n, &mut errors));
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        if let Some(new_password) = changes.new_password {
            let Some(current) = changes.current_password else {
                return Err(InvalidField::new("currentPassword", "is required to change the password").into());
            };
            let credentials = self
                .auth
                .confirm_password(who.user_id, current, "currentPassword", "is not the current password")
                .await?;
            password_policy::check("newPassword", &new_password, &credentials.user.email)?;
            let hash = self
                .auth
                .passwords()
                .hash(new_password)
                .await
                .map_err(|e| ServiceError::Storage(RepoError::Other(format!("{e:#}"))))?;
            self.repos.users.set_password_hash(who.user_id, &hash).await?;
            self.auth.end_sessions(who.user_id, who.session).await?;
        } else if changes.current_password.is_some() {
            return Err(InvalidField::new("newPassword", "is required with currentPassword").into());
        }
        match name {
            Some(name) => Ok(self.repos.users.set_name(who.user_id, &name).await?),
            None => self.me(who).await,
        }
    }

    pub async fn addresses(&self, who: &Principal) -> ServiceResult<Vec<Address>> {
        Ok(self.repos.addresses.list(who.user_id).await?)
    }

    pub async fn add_address(
        &self,
        who: &Principal,
        input: AddressFields,
        make_default: bool,
    ) -> ServiceResult<Address> {
        let fields = input.validated().map_err(ServiceError::Invalid)?;
        self.repos
            .addresses
            .create(who.user_id, fields, make_default, MAX_ADDRESSES)
            .await
            .map_err(|e| match e {
                RepoError::Conflict(_) => ServiceError::conflict(
                    "address_limit",
                    format!("an account keeps at most {MAX_ADDRESSES} addresses"),
                ),
                other => other.into(),
            })
    }

    /// Another user's address is `NotFound`, exactly like a missing one.
    pub async fn update_address(
        &self,
        who: &Principal,
        id: Uuid,
        patch: impl FnOnce(&mut AddressFields),
        make_default: bool,
    ) -> ServiceResult<Address> {
        let existing = self
            .repos
            .addresses
            .find(who.user_id, id)
            .await?
            .ok_or(ServiceError::NotFound("address"))?;
        let mut input = existing.fields;
        patch(&mut input);
        let fields = input.validated().map_err(ServiceError::Invalid)?;
        self.repos
            .addresses
            .update(who.user_id, id, fields, make_default)
            .await?
            .ok_or(ServiceError::NotFound("address"))
    }

    pub async fn delete_address(&self, who: &Principal, id: Uuid) -> ServiceResult<()> {
        if self.repos.addresses.delete(who.user_id, id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound("address"))
        }
    }
}
