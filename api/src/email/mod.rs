//! Outgoing email: one `Mailer` trait, a transport per backend chosen in config, and the
//! templates every email is rendered from.
//!
//! | transport | use |
//! |---|---|
//! | `outbox` | embedded default: each message as an RFC 5322 `.eml` file in a folder |
//! | `smtp` | lettre over tokio + rustls, pooled connections |
//! | `sendgrid` | the v3 mail send HTTP API |

use std::sync::Arc;

use async_trait::async_trait;

use crate::config::{EmailConfig, EmailTransport};

mod message;
mod outbox;
mod sendgrid;
mod smtp;
pub mod templates;

pub use message::{Attachment, OutgoingEmail};
pub use outbox::OutboxMailer;
pub use sendgrid::SendGridMailer;
pub use smtp::SmtpMailer;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum MailError {
    /// The message itself is wrong (an address that does not parse); retrying will not help.
    #[error("invalid message: {0}")]
    Invalid(String),
    /// The transport failed or refused the message; the text is the server's or API's answer.
    #[error("delivery failed: {0}")]
    Delivery(String),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError>;
    /// Deletes the copies this transport keeps of mail sent to `address` (an erased account's)
    /// or answering to it (a contact message forwarded to staff); returns how many went. Only
    /// the outbox keeps copies: mail handed to an SMTP server or SendGrid is with its recipients
    /// and the provider's logs, outside the store's reach.
    async fn forget_recipient(&self, _address: &str) -> Result<u64, MailError> {
        Ok(0)
    }
    /// `outbox`, `smtp` or `sendgrid`, for logs and `beeget mail test`.
    fn transport(&self) -> &'static str;
}

/// The transport configured in `[email]`.
pub fn from_config(config: &EmailConfig) -> anyhow::Result<Arc<dyn Mailer>> {
    Ok(match config.transport {
        EmailTransport::Outbox => Arc::new(OutboxMailer::new(&config.from, &config.outbox_dir)?),
        EmailTransport::Smtp => Arc::new(SmtpMailer::new(&config.from, &config.smtp)?),
        EmailTransport::Sendgrid => Arc::new(SendGridMailer::new(&config.from, &config.sendgrid)?),
    })
}
