//! Creating accounts from the command line and the development demo accounts.

use std::{io::Write, path::Path};

use argon2::{Argon2, password_hash::PasswordHasher};
use rand::{Rng, distr::Alphanumeric};
use uuid::Uuid;

use crate::services::{ServiceError, ServiceResult};
use crate::{
    domain::{
        InvalidField,
        email::Email,
        password_policy, text,
        user::{NewUser, Role, User},
    },
    repos::{RepoError, Repos},
};

/// Hashes with argon2id at the crate's defaults, which are OWASP's recommendation (19 MiB, t=2, p=1).
pub fn hash_password(password: &str) -> ServiceResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Storage(RepoError::Other(format!("password hashing failed: {e}"))))
}

pub struct NewAccount<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
    pub role: Role,
}

pub async fn create_account(repos: &Repos, account: NewAccount<'_>) -> ServiceResult<User> {
    let mut errors = Vec::new();
    let email = Email::parse("email", account.email).map_err(|e| errors.push(e)).ok();
    let name = text::PERSON_NAME.check("name", account.name, &mut errors);
    let len = account.password.chars().count();
    if !(password_policy::MIN_CHARS..=password_policy::MAX_CHARS).contains(&len) {
        errors.push(InvalidField::new(
            "password",
            format!(
                "must be {} to {} characters",
                password_policy::MIN_CHARS,
                password_policy::MAX_CHARS
            ),
        ));
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(ServiceError::Invalid(errors));
    };
    let password = account.password.to_owned();
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ServiceError::Storage(RepoError::Other(e.to_string())))??;
    repos
        .users
        .create(
            Uuid::now_v7(),
            NewUser {
                name: name.to_owned(),
                email,
                password_hash,
                role: account.role,
                email_verified: true,
            },
            Vec::new(),
        )
        .await
        .map_err(|e| match e {
            RepoError::Conflict(_) => {
                ServiceError::conflict("email_taken", "an account with this email already exists")
            }
            other => other.into(),
        })
}

/// A random password of 20 letters and digits (about 119 bits).
pub fn random_password() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(20)
        .map(char::from)
        .collect()
}

/// In development, on an empty user table: one admin and one shopper with random passwords,
/// printed once and written to `file` (mode 0600). Returns the lines written, or `None`.
pub async fn create_demo_accounts(repos: &Repos, file: &Path) -> anyhow::Result<Option<String>> {
    if repos.users.count().await? > 0 {
        return Ok(None);
    }
    let mut lines = String::from("# Beeget demo accounts (development only). Delete this file once noted.\n");
    for (email, name, role) in [
        ("admin@beeget.local", "Demo Admin", Role::Admin),
        ("shopper@beeget.local", "Demo Shopper", Role::User),
    ] {
        let password = random_password();
        create_account(
            repos,
            NewAccount {
                email,
                name,
                password: &password,
                role,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating demo account {email}: {e}"))?;
        lines.push_str(&format!("{} {email} {password}\n", role.as_str()));
    }
    write_private(file, &lines)?;
    Ok(Some(lines))
}

/// Writes a file only its owner can read (mode 0600): passwords, personal data.
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}
