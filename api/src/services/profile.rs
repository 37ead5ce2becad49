//! The signed-in shopper's own account: profile, password change and address book.

use uuid::Uuid;

use super::{
    ServiceError, ServiceResult,
    auth::{AuthService, Principal},
    text_fields::{optional, required},
};
use crate::{
    auth::PasswordCheck,
    domain::{InvalidField, country, password_policy, user::User},
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

/// Checks every field of an address as submitted, all at once so the client sees every
/// problem in one answer, and returns it trimmed and normalised (country upper-case, empty
/// optional fields as none).
pub fn validate_address(input: &AddressFields) -> Result<AddressFields, ServiceError> {
    let mut errors = Vec::new();
    let label = required("label", &input.label, 50, &mut errors);
    let line1 = required("line1", &input.line1, 200, &mut errors);
    let line2 = optional("line2", input.line2.as_deref(), 200, &mut errors);
    let city = required("city", &input.city, 100, &mut errors);
    let state = optional("state", input.state.as_deref(), 100, &mut errors);
    let zip = required("zip", &input.zip, 20, &mut errors);
    if !zip.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-') {
        errors.push(InvalidField::new(
            "zip",
            "may hold only letters, digits, spaces and '-'",
        ));
    }
    let country = country::parse("country", &input.country)
        .map_err(|e| errors.push(e))
        .ok();
    let phone = optional("phone", input.phone.as_deref(), 30, &mut errors);
    if let Some(p) = &phone {
        let digits = p.chars().filter(char::is_ascii_digit).count();
        if digits < 5 || !p.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
            errors.push(InvalidField::new(
                "phone",
                "must be a phone number: digits, spaces, + - ( ) .",
            ));
        }
    }
    match country {
        Some(country) if errors.is_empty() => Ok(AddressFields {
            label,
            line1,
            line2,
            city,
            state,
            zip,
            country,
            phone,
        }),
        _ => Err(ServiceError::Invalid(errors)),
    }
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
        let name = changes
            .name
            .as_deref()
            .map(|n| super::auth::valid_name("name", n))
            .transpose()?;
        if let Some(new_password) = changes.new_password {
            let Some(current) = changes.current_password else {
                return Err(InvalidField::new("currentPassword", "is required to change the password").into());
            };
            let credentials = self
                .repos
                .users
                .credentials_by_id(who.user_id)
                .await?
                .ok_or(ServiceError::Unauthenticated("unauthenticated"))?;
            password_policy::check("newPassword", &new_password, &credentials.user.email)?;
            let check = self
                .auth
                .passwords()
                .verify(current, Some(credentials.password_hash))
                .await
                .map_err(|e| ServiceError::Storage(RepoError::Other(format!("{e:#}"))))?;
            if check == PasswordCheck::Mismatch {
                return Err(InvalidField::new("currentPassword", "is not the current password").into());
            }
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
        let fields = validate_address(&input)?;
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
        let fields = validate_address(&input)?;
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
