//! The embedded default: every message is written as an `.eml` file a developer can open.

use std::path::{Path, PathBuf};

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

    async fn forget_recipient(&self, address: &str) -> Result<u64, MailError> {
        let dir = self.dir.clone();
        let address = address.trim().to_lowercase();
        tokio::task::spawn_blocking(move || forget(&dir, &address))
            .await
            .map_err(|e| MailError::Delivery(format!("outbox scan: {e}")))?
            .map_err(|e| MailError::Delivery(format!("outbox scan: {e}")))
    }

    fn transport(&self) -> &'static str {
        "outbox"
    }
}

/// Deletes the `.eml` files sent to `address` (lower case) or on its behalf.
fn forget(dir: &Path, address: &str) -> std::io::Result<u64> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "eml") {
            continue;
        }
        let Ok(raw) = std::fs::read_to_string(&path) else {
            continue;
        };
        if names(&raw, address) {
            std::fs::remove_file(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Whether the message's `To:` or `Reply-To:` header (unfolded, RFC 5322 §2.2.3) holds
/// `address`, bare or in angle brackets, whatever its case: mail to the person, or written on
/// their behalf (a contact message forwarded to staff answers to them).
fn names(raw: &str, address: &str) -> bool {
    let head = raw.split("\r\n\r\n").next().unwrap_or_default();
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded
        .split("\r\n")
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            ["to", "reply-to"]
                .iter()
                .any(|n| name.trim().eq_ignore_ascii_case(n))
                .then_some(value)
        })
        .flat_map(|value| value.split(','))
        .any(|mailbox| {
            let mailbox = mailbox.trim().to_lowercase();
            let bare = match (mailbox.rfind('<'), mailbox.rfind('>')) {
                (Some(open), Some(close)) if open < close => &mailbox[open + 1..close],
                _ => mailbox.as_str(),
            };
            bare.trim() == address
        })
}

#[cfg(test)]
mod tests {
    use super::names;

    #[test]
    fn finds_the_person_bare_named_or_folded() {
        let named = "From: Beeget <shop@example.com>\r\nTo: \"Grace Hopper\"\r\n <Grace@Example.com>\r\nSubject: Hi\r\n\r\nTo: other@example.com\r\n";
        assert!(names(named, "grace@example.com"));
        assert!(!names(named, "other@example.com"), "the body is not a header");
        assert!(!names(named, "shop@example.com"), "nor is the sender");
        assert!(names("To: grace@example.com\r\n\r\nbody", "grace@example.com"));
        assert!(!names("To: agrace@example.com\r\n\r\n", "grace@example.com"));
        let forwarded = "To: staff@example.com\r\nReply-To: \"Grace\" <grace@example.com>\r\n\r\n";
        assert!(names(forwarded, "grace@example.com"));
    }
}
