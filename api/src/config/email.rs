//! `[email]`: the transport and its settings.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTransport {
    Outbox,
    Smtp,
    Sendgrid,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    pub transport: EmailTransport,
    /// Sender, e.g. `Beeget Fashion <hello@beeget.local>`.
    pub from: String,
    /// Where staff mail (contact-form forwards) goes, and the daily sales report when
    /// `report_recipients` is empty.
    pub staff_address: String,
    /// Who receives the daily sales report (`dailySalesReport`), in one message; empty sends
    /// it to `staff_address`.
    pub report_recipients: Vec<String>,
    /// Folder for `.eml` files when `transport = "outbox"`.
    pub outbox_dir: String,
    pub smtp: SmtpConfig,
    pub sendgrid: SendGridConfig,
}

impl EmailConfig {
    /// The daily sales report's recipients: `report_recipients`, or `staff_address`.
    pub fn report_recipients(&self) -> Vec<String> {
        if self.report_recipients.is_empty() {
            vec![self.staff_address.clone()]
        } else {
            self.report_recipients.clone()
        }
    }
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            transport: EmailTransport::Outbox,
            from: "Beeget Fashion <hello@beeget.local>".into(),
            staff_address: "Beeget Staff <staff@beeget.local>".into(),
            report_recipients: Vec::new(),
            outbox_dir: "data/outbox".into(),
            smtp: SmtpConfig::default(),
            sendgrid: SendGridConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Implicit,
    /// No encryption: only for a relay on the same host or in tests.
    None,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: String,
    /// Set with `BEEGET_EMAIL__SMTP__PASSWORD`.
    pub password: Secret,
    pub timeout_secs: u64,
    pub pool_max_size: u32,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: "localhost".into(),
            port: 587,
            tls: SmtpTls::Starttls,
            username: String::new(),
            password: Secret::default(),
            timeout_secs: 10,
            pool_max_size: 4,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SendGridConfig {
    /// Set with `BEEGET_EMAIL__SENDGRID__API_KEY`.
    pub api_key: Secret,
    pub base_url: String,
    pub timeout_secs: u64,
}

impl Default for SendGridConfig {
    fn default() -> Self {
        Self {
            api_key: Secret::default(),
            base_url: "https://api.sendgrid.com".into(),
            timeout_secs: 10,
        }
    }
}
