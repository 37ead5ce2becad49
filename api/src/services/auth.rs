//! Registration, email verification, login, refresh-token rotation with reuse detection,
//! logout, password reset, and who a bearer token belongs to.

use std::sync::Arc;

use chrono::{Duration, Utc};
use uuid::Uuid;

use super::{ServiceError, ServiceResult};
use crate::{
    auth::{JwtKeys, PasswordCheck, Passwords, TokenError, opaque},
    config::AuthConfig,
    domain::{
        InvalidField,
        email::Email,
        password_policy, text,
        user::{NewUser, Role, User},
    },
    jobs::{self, Job, JobSender, SendPasswordResetEmail, SendVerificationEmail},
    repos::{AccessDenylist, Credentials, NewRefreshToken, RepoError, Repos, TokenPurpose},
};

/// What login and refresh hand out.
#[derive(Debug, Clone)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
}

/// The caller behind a verified, unrevoked access token.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: Uuid,
    pub role: Role,
    pub jti: Uuid,
    pub expires_at: chrono::DateTime<Utc>,
    /// The refresh-token family this access token belongs to.
    pub session: Option<Uuid>,
}

pub struct Registration {
    pub name: String,
    pub email: String,
    pub password: String,
}

#[derive(Clone)]
pub struct AuthService {
    repos: Repos,
    jobs: JobSender,
    keys: Arc<JwtKeys>,
    passwords: Passwords,
    denylist: Arc<dyn AccessDenylist>,
    config: Arc<AuthConfig>,
}

impl AuthService {
    pub fn new(repos: Repos, jobs: JobSender, denylist: Arc<dyn AccessDenylist>, config: &AuthConfig) -> Self {
        Self {
            keys: Arc::new(JwtKeys::from_config(config)),
            passwords: Passwords::from_config(config),
            config: Arc::new(config.clone()),
            repos,
            jobs,
            denylist,
        }
    }

    pub fn passwords(&self) -> &Passwords {
        &self.passwords
    }

    /// Queues a job that follows no write of its own (a resent email), or keeps it in the
    /// outbox; when both fail the request fails with 503 rather than promising an email.
    async fn enqueue<J: Job>(&self, job: &J) -> ServiceResult<()> {
        self.jobs.send(job).await.map(drop).map_err(|e| {
            tracing::error!(job = J::NAME, error = %format!("{e:#}"), "cannot queue job");
            ServiceError::Storage(RepoError::Unavailable("the job queue and its outbox".into()))
        })
    }

    pub async fn register(&self, form: Registration) -> ServiceResult<User> {
        let mut errors = Vec::new();
        let name = Some(text::PERSON_NAME.check("name", &form.name, &mut errors)).filter(|_| errors.is_empty());
        let email = Email::parse("email", &form.email).map_err(|e| errors.push(e)).ok();
        if let Err(e) = password_policy::check("password", &form.password, &form.email) {
            errors.push(e);
        }
        let (Some(name), Some(email)) = (name, email) else {
            return Err(ServiceError::Invalid(errors));
        };
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let password_hash = self.passwords.hash(form.password).await.map_err(internal)?;
        // The account and its verification email are stored in one transaction (the email in
        // the job outbox), then relayed to the queue: no account is left without its email.
        let id = Uuid::now_v7();
        let verification = jobs::deferred(&SendVerificationEmail {
            user_id: id,
            request: Uuid::now_v7(),
        });
        let user = self
            .repos
            .users
            .create(
                id,
                NewUser {
                    name,
                    email,
                    password_hash,
                    role: Role::User,
                    email_verified: false,
                },
                vec![verification],
            )
            .await
            .map_err(|e| match e {
                RepoError::Conflict(_) => {
                    ServiceError::conflict("email_taken", "an account with this email already exists")
                }
                other => other.into(),
            })?;
        self.jobs.relay_soon();
        Ok(user)
    }

    pub async fn verify_email(&self, token: &str) -> ServiceResult<()> {
        let now = Utc::now();
        let user_id = self
            .repos
            .sessions
            .consume_user_token(&opaque::digest(token), TokenPurpose::VerifyEmail, now)
            .await?
            .ok_or(ServiceError::InvalidToken)?;
        self.repos.users.mark_email_verified(user_id, now).await?;
        Ok(())
    }

    /// Always succeeds, so the answer does not reveal whether an account exists.
    pub async fn resend_verification(&self, email: &str) -> ServiceResult<()> {
        if let Some(user) = self.repos.users.find_by_email(email).await?
            && user.email_verified_at.is_none()
        {
            self.enqueue(&SendVerificationEmail {
                user_id: user.id,
                request: Uuid::now_v7(),
            })
            .await?;
        }
        Ok(())
    }

    pub async fn login(&self, email: &str, password: &str) -> ServiceResult<TokenPair> {
        let credentials = self.repos.users.credentials_by_email(email).await?;
        // An unknown email still costs one hash, so timing does not tell accounts apart.
        let stored = credentials.as_ref().map(|c| c.password_hash.clone());
        let check = self
            .passwords
            .verify(password.to_owned(), stored)
            .await
            .map_err(internal)?;
        let (Some(credentials), PasswordCheck::Match { rehash }) = (credentials, check) else {
            return Err(ServiceError::Unauthenticated("invalid_credentials"));
        };
        let user = credentials.user;
        if rehash {
            let upgraded = self.passwords.hash(password.to_owned()).await.map_err(internal)?;
            self.repos.users.set_password_hash(user.id, &upgraded).await?;
            tracing::info!(user_id = %user.id, "password hash upgraded to the current parameters");
        }
        let family = Uuid::now_v7();
        let (refresh_token, token) = self.new_refresh(user.id, family);
        self.repos.sessions.create_refresh(token).await?;
        Ok(self.pair(&user, family, refresh_token))
    }

    fn new_refresh(&self, user_id: Uuid, family_id: Uuid) -> (String, NewRefreshToken) {
        let (plain, digest) = opaque::generate();
        let record = NewRefreshToken {
            id: Uuid::now_v7(),
            user_id,
            family_id,
            token_hash: digest,
            expires_at: Utc::now() + Duration::days(self.config.refresh_ttl_days as i64),
        };
        (plain, record)
    }

    fn pair(&self, user: &User, session: Uuid, refresh_token: String) -> TokenPair {
        let access = self.keys.issue(user.id, user.role, session);
        TokenPair {
            access_token: access.token,
            refresh_token,
            expires_in: access.expires_in,
        }
    }

    /// A new pair for a live refresh token. Presenting one that was already rotated (a
    /// stolen copy, or a lost race) revokes its whole family.
    pub async fn refresh(&self, refresh_token: &str) -> ServiceResult<TokenPair> {
        let now = Utc::now();
        let sessions = &self.repos.sessions;
        let Some(current) = sessions.find_refresh(&opaque::digest(refresh_token)).await? else {
            return Err(ServiceError::Unauthenticated("unauthenticated"));
        };
        if current.revoked_at.is_some() {
            let revoked = sessions.revoke_family(current.family_id, now).await?;
            self.deny_session(current.family_id).await?;
            tracing::warn!(user_id = %current.user_id, family = %current.family_id, revoked, "refresh token reuse: family revoked");
            return Err(ServiceError::Unauthenticated("unauthenticated"));
        }
        if current.expires_at <= now {
            return Err(ServiceError::Unauthenticated("token_expired"));
        }
        let Some(user) = self.repos.users.find_by_id(current.user_id).await? else {
            return Err(ServiceError::Unauthenticated("unauthenticated"));
        };
        let (plain, next) = self.new_refresh(user.id, current.family_id);
        if !sessions.rotate_refresh(current.id, next, now).await? {
            sessions.revoke_family(current.family_id, now).await?;
            self.deny_session(current.family_id).await?;
            tracing::warn!(user_id = %user.id, family = %current.family_id, "concurrent refresh: family revoked");
            return Err(ServiceError::Unauthenticated("unauthenticated"));
        }
        Ok(self.pair(&user, current.family_id, plain))
    }

    /// Ends the session: the refresh family is revoked and the access token refused until it
    /// expires. A refresh token of another user is ignored (nothing to reveal).
    pub async fn logout(&self, principal: &Principal, refresh_token: &str) -> ServiceResult<()> {
        let now = Utc::now();
        if let Some(token) = self.repos.sessions.find_refresh(&opaque::digest(refresh_token)).await?
            && token.user_id == principal.user_id
        {
            self.repos.sessions.revoke_family(token.family_id, now).await?;
            self.deny_session(token.family_id).await?;
        }
        self.denylist.deny(principal.jti, principal.expires_at).await?;
        Ok(())
    }

    /// Ends every session of the user but `keep` at once: their refresh tokens are revoked and
    /// the access tokens already issued in them are refused from the next request on (by
    /// their `sid`), not left to run out their 15 minutes.
    pub async fn end_sessions(&self, user_id: Uuid, keep: Option<Uuid>) -> ServiceResult<()> {
        let ended = self
            .repos
            .sessions
            .revoke_user_sessions(user_id, keep, Utc::now())
            .await?;
        for family in ended {
            self.deny_session(family).await?;
        }
        Ok(())
    }

    /// Re-confirms the signed-in account's password before a sensitive change: the account's
    /// credentials when it matches. Errors: `Invalid` naming `field` when it does not,
    /// `Unauthenticated` when the account is gone.
    pub async fn confirm_password(
        &self,
        user_id: Uuid,
        password: String,
        field: &str,
        mismatch: &str,
    ) -> ServiceResult<Credentials> {
        let credentials = self
            .repos
            .users
            .credentials_by_id(user_id)
            .await?
            .ok_or(ServiceError::Unauthenticated("unauthenticated"))?;
        let check = self
            .passwords
            .verify(password, Some(credentials.password_hash.clone()))
            .await
            .map_err(internal)?;
        if check == PasswordCheck::Mismatch {
            return Err(InvalidField::new(field, mismatch).into());
        }
        Ok(credentials)
    }

    /// Refuses the access tokens issued in these sessions (refresh-token families) from the
    /// next request on.
    pub async fn deny_sessions(&self, families: &[Uuid]) -> ServiceResult<()> {
        for family in families {
            self.deny_session(*family).await?;
        }
        Ok(())
    }

    /// Refuses the access tokens of a session for as long as any of them can live.
    async fn deny_session(&self, family: Uuid) -> ServiceResult<()> {
        let until = Utc::now() + Duration::seconds(self.config.access_ttl_secs as i64 + self.config.leeway_secs as i64);
        Ok(self.denylist.deny(family, until).await?)
    }

    /// Always succeeds, so the answer does not reveal whether an account exists.
    pub async fn forgot_password(&self, email: &str) -> ServiceResult<()> {
        if let Some(user) = self.repos.users.find_by_email(email).await? {
            self.enqueue(&SendPasswordResetEmail {
                user_id: user.id,
                request: Uuid::now_v7(),
            })
            .await?;
        }
        Ok(())
    }

    pub async fn reset_password(&self, token: &str, password: &str) -> ServiceResult<()> {
        // The rules that need no account first, so a weak password does not use up the token.
        password_policy::check("password", password, "")?;
        let now = Utc::now();
        let user_id = self
            .repos
            .sessions
            .consume_user_token(&opaque::digest(token), TokenPurpose::ResetPassword, now)
            .await?
            .ok_or(ServiceError::InvalidToken)?;
        let user = self
            .repos
            .users
            .find_by_id(user_id)
            .await?
            .ok_or(ServiceError::InvalidToken)?;
        password_policy::check("password", password, &user.email)?;
        let hash = self.passwords.hash(password.to_owned()).await.map_err(internal)?;
        self.repos.users.set_password_hash(user.id, &hash).await?;
        self.end_sessions(user.id, None).await?;
        // Whoever could read the inbox could also verify it.
        self.repos.users.mark_email_verified(user.id, now).await?;
        Ok(())
    }

    /// The caller behind a bearer token: signature, claims and the denylist checked.
    pub async fn authenticate(&self, token: &str) -> ServiceResult<Principal> {
        let claims = self.keys.verify(token).map_err(|e| match e {
            TokenError::Expired => ServiceError::Unauthenticated("token_expired"),
            TokenError::Invalid => ServiceError::Unauthenticated("unauthenticated"),
        })?;
        let (Some(user_id), Ok(jti), Some(role)) = (
            claims.user_id(),
            Uuid::parse_str(&claims.jti),
            Role::parse(&claims.role),
        ) else {
            return Err(ServiceError::Unauthenticated("unauthenticated"));
        };
        let session = claims.sid.as_deref().and_then(|s| Uuid::parse_str(s).ok());
        let ids: &[Uuid] = match session {
            Some(sid) => &[jti, sid],
            None => &[jti],
        };
        if self.denylist.is_denied(ids).await? {
            return Err(ServiceError::Unauthenticated("unauthenticated"));
        }
        Ok(Principal {
            user_id,
            role,
            jti,
            expires_at: claims.expires_at(),
            session,
        })
    }

    /// Admin access is decided from storage, not the token: a demoted or deleted admin loses it
    /// at once.
    pub async fn require_admin(&self, principal: &Principal) -> ServiceResult<User> {
        match self.repos.users.find_by_id(principal.user_id).await? {
            None => Err(ServiceError::Unauthenticated("unauthenticated")),
            Some(user) if user.role != Role::Admin => Err(ServiceError::Forbidden),
            Some(user) => Ok(user),
        }
    }
}

fn internal(e: anyhow::Error) -> ServiceError {
    ServiceError::Storage(RepoError::Other(format!("{e:#}")))
}
