//! `forwardContactMessage`: sends a contact-form message to the staff address.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::email::templates;

use super::{
    job::{Job, QueueName},
    registry::JobContext,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForwardContactMessage {
    pub message_id: Uuid,
}

impl Job for ForwardContactMessage {
    const NAME: &'static str = "forwardContactMessage";
    const QUEUE: QueueName = QueueName::Mail;

    fn idempotency_key(&self) -> Option<String> {
        Some(format!("contact-forward:{}", self.message_id))
    }
}

pub async fn perform(job: ForwardContactMessage, ctx: JobContext) -> anyhow::Result<()> {
    // A message erased since (GDPR) leaves nothing to forward; that is not a failure.
    let Some(message) = ctx.repos.contact.find(job.message_id).await? else {
        tracing::info!(message_id = %job.message_id, "contact message no longer exists; nothing to forward");
        return Ok(());
    };
    let contact = templates::ContactMessage {
        name: message.name,
        email: message.email,
        subject: message.subject,
        message: message.message,
        received_at: message.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
    };
    let email = ctx
        .templates
        .contact_forward(&ctx.config.email.staff_address, &contact)?;
    ctx.mailer.send(&email).await?;
    Ok(())
}
