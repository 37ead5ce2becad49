//! `sendVerificationEmail` and `sendPasswordResetEmail`. The job makes the one-time token
//! itself, so a usable token never sits in the queue; only its digest is stored.

use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    job::{Job, QueueName},
    registry::JobContext,
};
use crate::{
    auth::opaque,
    email::templates::{PasswordReset, Recipient, VerifyEmail},
    repos::TokenPurpose,
};

/// `request` tells apart two requests for the same user (a resend); it is the idempotency key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendVerificationEmail {
    pub user_id: Uuid,
    pub request: Uuid,
}

impl Job for SendVerificationEmail {
    const NAME: &'static str = "sendVerificationEmail";
    const QUEUE: QueueName = QueueName::Mail;

    fn idempotency_key(&self) -> Option<String> {
        Some(format!("verify-email:{}", self.request))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendPasswordResetEmail {
    pub user_id: Uuid,
    pub request: Uuid,
}

impl Job for SendPasswordResetEmail {
    const NAME: &'static str = "sendPasswordResetEmail";
    const QUEUE: QueueName = QueueName::Mail;

    fn idempotency_key(&self) -> Option<String> {
        Some(format!("reset-password:{}", self.request))
    }
}

/// Mints a one-time token of `purpose` for the user, valid for `ttl`; returns its link.
async fn mint_link(
    ctx: &JobContext,
    user_id: Uuid,
    purpose: TokenPurpose,
    ttl: Duration,
    path: &str,
) -> anyhow::Result<String> {
    let (token, digest) = opaque::generate();
    ctx.repos
        .sessions
        .create_user_token(user_id, purpose, &digest, Utc::now() + ttl)
        .await?;
    Ok(format!(
        "{}/{path}?token={token}",
        ctx.config.store.frontend_url.trim_end_matches('/')
    ))
}

pub async fn send_verification(job: SendVerificationEmail, ctx: JobContext) -> anyhow::Result<()> {
    let Some(user) = ctx.repos.users.find_by_id(job.user_id).await? else {
        tracing::info!(user_id = %job.user_id, "account gone; no verification email");
        return Ok(());
    };
    if user.email_verified_at.is_some() {
        tracing::info!(user_id = %user.id, "email already verified; nothing to send");
        return Ok(());
    }
    let hours = ctx.config.auth.verification_ttl_hours;
    let verify_url = mint_link(
        &ctx,
        user.id,
        TokenPurpose::VerifyEmail,
        Duration::hours(hours as i64),
        "verify-email",
    )
    .await?;
    let email = ctx.templates.verify_email(
        &user.email,
        &VerifyEmail {
            user: Recipient { name: user.name },
            verify_url,
            expires_hours: hours as u32,
        },
    )?;
    ctx.mailer.send(&email).await?;
    Ok(())
}

pub async fn send_password_reset(job: SendPasswordResetEmail, ctx: JobContext) -> anyhow::Result<()> {
    let Some(user) = ctx.repos.users.find_by_id(job.user_id).await? else {
        tracing::info!(user_id = %job.user_id, "account gone; no reset email");
        return Ok(());
    };
    let minutes = ctx.config.auth.reset_ttl_minutes;
    let reset_url = mint_link(
        &ctx,
        user.id,
        TokenPurpose::ResetPassword,
        Duration::minutes(minutes as i64),
        "reset-password",
    )
    .await?;
    let email = ctx.templates.password_reset(
        &user.email,
        &PasswordReset {
            user: Recipient { name: user.name },
            reset_url,
            expires_minutes: minutes as u32,
        },
    )?;
    ctx.mailer.send(&email).await?;
    Ok(())
}
