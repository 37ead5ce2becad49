//! The SendGrid v3 mail send API. Any non-2xx answer is a delivery failure carrying the API's
//! error text, so a job retries it and keeps the reason when it gives up.

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use lettre::message::Mailbox;
use serde_json::json;

use super::{MailError, Mailer, OutgoingEmail, message};
use crate::config::SendGridConfig;

pub struct SendGridMailer {
    from: Mailbox,
    endpoint: String,
    api_key: String,
    client: reqwest::Client,
}

impl SendGridMailer {
    pub fn new(from: &str, config: &SendGridConfig) -> anyhow::Result<Self> {
        crate::tls::install_crypto_provider();
        Ok(Self {
            from: message::parse_mailbox("email.from", from)?,
            endpoint: format!("{}/v3/mail/send", config.base_url.trim_end_matches('/')),
            api_key: config.api_key.expose().to_owned(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(config.timeout_secs))
                .connect_timeout(Duration::from_secs(config.timeout_secs.min(5)))
                .build()
                .map_err(|e| anyhow::anyhow!("email.sendgrid: cannot build the HTTP client: {e}"))?,
        })
    }

    /// The request body the API expects.
    fn body(&self, email: &OutgoingEmail) -> Result<serde_json::Value, MailError> {
        let to = message::parse_mailboxes("to", &email.to)?;
        let address = |m: &Mailbox| match &m.name {
            Some(name) => json!({"email": m.email.to_string(), "name": name}),
            None => json!({"email": m.email.to_string()}),
        };
        let mut body = json!({
            "personalizations": [{"to": to.iter().map(address).collect::<Vec<_>>()}],
            "from": address(&self.from),
            "subject": email.subject,
            "content": [
                {"type": "text/plain", "value": email.text},
                {"type": "text/html", "value": email.html},
            ],
        });
        if let Some(reply_to) = &email.reply_to {
            body["reply_to"] = address(reply_to);
        }
        if !email.attachments.is_empty() {
            body["attachments"] = email
                .attachments
                .iter()
                .map(|a| {
                    json!({
                        "content": base64::engine::general_purpose::STANDARD.encode(&a.content),
                        "type": a.content_type,
                        "filename": a.filename,
                        "disposition": "attachment",
                    })
                })
                .collect();
        }
        Ok(body)
    }
}

#[async_trait]
impl Mailer for SendGridMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        let body = self.body(email)?;
        let response = self
            .client
            .post(&self.endpoint)
            .bearer_auth(&self.api_key)
            .json(&body)
            .send()
            .await
            .map_err(|e| MailError::Delivery(format!("sendgrid unreachable: {e}")))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        let reason = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| {
                let messages: Vec<String> = v["errors"]
                    .as_array()?
                    .iter()
                    .filter_map(|e| e["message"].as_str().map(str::to_owned))
                    .collect();
                (!messages.is_empty()).then(|| messages.join("; "))
            })
            .unwrap_or(text);
        Err(MailError::Delivery(format!(
            "sendgrid answered {}: {reason}",
            status.as_u16()
        )))
    }

    fn transport(&self) -> &'static str {
        "sendgrid"
    }
}
