//! The embedded default: every message is written as an `.eml` file a developer can open.

use std::path::PathBuf;

use async_trait::async_trait;
use lettre::message::Mailbox;

use super::{MailError, Mailer, OutgoingEmail, message};

pub struct OutboxMailer {
    from: Mailbox,
    dir: PathBuf,
}

impl OutboxMailer {
    pub fn new(from: &str, dir: &str) -> anyhow::Result<Self> {
        let from = message::parse_mailbox("email.from", from)?;
        std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("email.outbox_dir: cannot create {dir}: {e}"))?;
        Ok(Self {
            from,
            dir: PathBuf::from(dir),
        })
    }
}

#[async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        let formatted = message::to_message(&self.from, email)?.formatted();
        // Time first so a folder listing reads in sending order; the UUID keeps names unique.
        let name = format!(
            "{}-{}.eml",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"),
            uuid::Uuid::now_v7().simple()
        );
        tokio::fs::write(self.dir.join(&name), formatted)
            .await
            .map_err(|e| MailError::Delivery(format!("writing {name}: {e}")))
    }

    fn transport(&self) -> &'static str {
        "outbox"
    }
}
