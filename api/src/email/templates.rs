//! Every email the store sends, rendered from the minijinja templates in `api/templates/email/`
//! (embedded in the binary). HTML templates auto-escape, so user-supplied values are safe;
//! each email has an HTML and a plain-text part and the store's name and links from config.
//!
//! About 450 lines: the seven emails with their context types, and (the last 140) tests that
//! render every email in both parts.

use minijinja::{AutoEscape, Environment};
use serde::Serialize;

use super::{Attachment, MailError, OutgoingEmail};
use crate::config::StoreConfig;

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/email/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = embedded!(
    "_layout.html",
    "_macros.html",
    "verify_email.html",
    "verify_email.txt",
    "password_reset.html",
    "password_reset.txt",
    "order_confirmation.html",
    "order_confirmation.txt",
    "order_shipped.html",
    "order_shipped.txt",
    "order_delivered.html",
    "order_delivered.txt",
    "contact_forward.html",
    "contact_forward.txt",
    "daily_sales_report.html",
    "daily_sales_report.txt",
    "mail_test.html",
    "mail_test.txt",
);

#[derive(Debug, Clone, Serialize)]
pub struct Recipient {
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyEmail {
    pub user: Recipient,
    pub verify_url: String,
    pub expires_hours: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct PasswordReset {
    pub user: Recipient,
    pub reset_url: String,
    pub expires_minutes: u32,
}

/// Money arrives formatted (`$89.00`), so templates never do arithmetic.
#[derive(Debug, Clone, Serialize)]
pub struct OrderLine {
    pub title: String,
    pub size: String,
    pub color: String,
    pub quantity: u32,
    pub unit_price: String,
    pub line_total: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderSummary {
    pub number: String,
    pub url: String,
    pub items: Vec<OrderLine>,
    pub subtotal: String,
    /// Empty when no discount applied.
    pub discount: String,
    pub shipping: String,
    pub total: String,
    pub shipping_address: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderConfirmation {
    pub user: Recipient,
    pub order: OrderSummary,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderRef {
    pub number: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Shipment {
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderShipped {
    pub user: Recipient,
    pub order: OrderRef,
    pub shipment: Shipment,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderDelivered {
    pub user: Recipient,
    pub order: OrderRef,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContactMessage {
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
    pub received_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopProduct {
    pub title: String,
    pub quantity: u64,
    pub revenue: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SalesReport {
    pub date: String,
    pub orders: u64,
    pub revenue: String,
    pub average_order: String,
    pub top_products: Vec<TopProduct>,
}

#[derive(Serialize)]
struct Store {
    name: String,
    frontend_url: String,
}

pub struct EmailTemplates {
    env: Environment<'static>,
    store: Store,
}

/// Keeps user text from splitting a header line.
fn one_line(text: &str) -> String {
    text.split(['\r', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl EmailTemplates {
    pub fn new(store: &StoreConfig) -> Result<Self, MailError> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| MailError::Invalid(format!("template {name}: {e}")))?;
        }
        Ok(Self {
            env,
            store: Store {
                name: store.name.clone(),
                frontend_url: store.frontend_url.trim_end_matches('/').to_owned(),
            },
        })
    }

    fn render(
        &self,
        template: &str,
        to: &str,
        subject: &str,
        vars: &impl Serialize,
    ) -> Result<OutgoingEmail, MailError> {
        let mut context = serde_json::to_value(vars).map_err(|e| MailError::Invalid(e.to_string()))?;
        context["store"] = serde_json::to_value(&self.store).map_err(|e| MailError::Invalid(e.to_string()))?;
        let context = minijinja::Value::from(minijinja::value::Serde(context));
        let render = |file: String| {
            self.env
                .get_template(&file)
                .and_then(|t| t.render(&context))
                .map_err(|e| MailError::Invalid(format!("rendering {file}: {e}")))
        };
        Ok(OutgoingEmail {
            to: to.to_owned(),
            subject: one_line(subject),
            html: render(format!("{template}.html"))?,
            text: render(format!("{template}.txt"))?,
            reply_to: None,
            attachments: Vec::new(),
        })
    }

    pub fn verify_email(&self, to: &str, vars: &VerifyEmail) -> Result<OutgoingEmail, MailError> {
        self.render(
            "verify_email",
            to,
            &format!("Confirm your email for {}", self.store.name),
            vars,
        )
    }

    pub fn password_reset(&self, to: &str, vars: &PasswordReset) -> Result<OutgoingEmail, MailError> {
        self.render(
            "password_reset",
            to,
            &format!("Reset your {} password", self.store.name),
            vars,
        )
    }

    pub fn order_confirmation(&self, to: &str, vars: &OrderConfirmation) -> Result<OutgoingEmail, MailError> {
        let subject = format!("Your {} order {}", self.store.name, vars.order.number);
        self.render("order_confirmation", to, &subject, vars)
    }

    pub fn order_shipped(&self, to: &str, vars: &OrderShipped) -> Result<OutgoingEmail, MailError> {
        self.render(
            "order_shipped",
            to,
            &format!("Your order {} is on its way", vars.order.number),
            vars,
        )
    }

    pub fn order_delivered(&self, to: &str, vars: &OrderDelivered) -> Result<OutgoingEmail, MailError> {
        self.render(
            "order_delivered",
            to,
            &format!("Your order {} has been delivered", vars.order.number),
            vars,
        )
    }

    /// To staff, with `Reply-To` set to the shopper so staff can answer directly.
    pub fn contact_forward(&self, staff: &str, contact: &ContactMessage) -> Result<OutgoingEmail, MailError> {
        #[derive(Serialize)]
        struct Vars<'a> {
            contact: &'a ContactMessage,
        }
        let mut email = self.render(
            "contact_forward",
            staff,
            &format!("Contact form: {}", contact.subject),
            &Vars { contact },
        )?;
        // lettre's types quote the display name, so any name works (`Doe, Jane`, `a@b`, `:`).
        let address = contact
            .email
            .parse::<lettre::Address>()
            .map_err(|e| MailError::Invalid(format!("reply_to: {:?} cannot receive mail ({e})", contact.email)))?;
        email.reply_to = Some(lettre::message::Mailbox::new(Some(one_line(&contact.name)), address));
        Ok(email)
    }

    /// To staff, with the full figures as a CSV attachment.
    pub fn daily_sales_report(
        &self,
        staff: &str,
        report: &SalesReport,
        csv: Vec<u8>,
    ) -> Result<OutgoingEmail, MailError> {
        #[derive(Serialize)]
        struct Vars<'a> {
            report: &'a SalesReport,
        }
        let mut email = self.render(
            "daily_sales_report",
            staff,
            &format!("Daily sales report {}", report.date),
            &Vars { report },
        )?;
        email.attachments.push(Attachment {
            filename: format!("sales-{}.csv", report.date),
            content_type: "text/csv; charset=utf-8".into(),
            content: csv,
        });
        Ok(email)
    }

    /// The message `beeget mail test` sends.
    pub fn mail_test(&self, to: &str, transport: &str) -> Result<OutgoingEmail, MailError> {
        #[derive(Serialize)]
        struct Vars<'a> {
            transport: &'a str,
        }
        self.render(
            "mail_test",
            to,
            &format!("{} test email", self.store.name),
            &Vars { transport },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn templates() -> EmailTemplates {
        EmailTemplates::new(&StoreConfig::default()).unwrap()
    }

    fn order() -> OrderSummary {
        OrderSummary {
            number: "BG-1042".into(),
            url: "http://localhost:5173/orders/1".into(),
            items: vec![OrderLine {
                title: "Linen <Wrap> Dress".into(),
                size: "M".into(),
                color: "Sage".into(),
                quantity: 2,
                unit_price: "$89.00".into(),
                line_total: "$178.00".into(),
            }],
            subtotal: "$178.00".into(),
            discount: String::new(),
            shipping: "$5.00".into(),
            total: "$183.00".into(),
            shipping_address: vec!["Ada Lovelace".into(), "1 Main St".into()],
        }
    }

    #[test]
    fn every_email_renders_both_parts_with_store_details() {
        let t = templates();
        let user = || Recipient { name: "Ada".into() };
        let order_ref = || OrderRef {
            number: "BG-1042".into(),
            url: "http://localhost:5173/orders/1".into(),
        };
        let emails = vec![
            t.verify_email(
                "a@b.co",
                &VerifyEmail {
                    user: user(),
                    verify_url: "http://x/verify?t=1".into(),
                    expires_hours: 24,
                },
            )
            .unwrap(),
            t.password_reset(
                "a@b.co",
                &PasswordReset {
                    user: user(),
                    reset_url: "http://x/reset?t=1".into(),
                    expires_minutes: 60,
                },
            )
            .unwrap(),
            t.order_confirmation(
                "a@b.co",
                &OrderConfirmation {
                    user: user(),
                    order: order(),
                },
            )
            .unwrap(),
            t.order_shipped(
                "a@b.co",
                &OrderShipped {
                    user: user(),
                    order: order_ref(),
                    shipment: Shipment {
                        carrier: "DHL".into(),
                        tracking_number: "JD0001".into(),
                        tracking_url: "https://track/JD0001".into(),
                    },
                },
            )
            .unwrap(),
            t.order_delivered(
                "a@b.co",
                &OrderDelivered {
                    user: user(),
                    order: order_ref(),
                },
            )
            .unwrap(),
            t.mail_test("a@b.co", "outbox").unwrap(),
        ];
        // The HTML escaper also encodes `/` (`&#x2f;`), which browsers and mail clients decode.
        let html = |s: &str| s.replace('/', "&#x2f;");
        for email in &emails {
            assert!(
                email.html.contains("Beeget Fashion") && email.html.contains(&html("http://localhost:5173")),
                "{}",
                email.subject
            );
            assert!(email.text.contains("http://localhost:5173"), "{}", email.subject);
            assert!(!email.text.contains("<p"), "text part has HTML: {}", email.subject);
        }
        assert!(
            emails[0].html.contains(&html("http://x/verify?t=1")) && emails[0].text.contains("http://x/verify?t=1")
        );
        assert!(emails[0].html.contains(">Verify my email</a>"), "button macro rendered");
        assert!(emails[2].html.contains(">View your order</a>"));
        assert!(emails[0].text.contains("24"));
        assert!(emails[2].html.contains("Linen &lt;Wrap&gt; Dress") && emails[2].text.contains("Linen <Wrap> Dress"));
        assert!(emails[2].html.contains("$183.00"));
        assert!(emails[3].text.contains("JD0001"));
    }

    #[test]
    fn user_text_is_escaped_in_html_and_kept_out_of_headers() {
        let t = templates();
        let contact = ContactMessage {
            name: "Eve <script>".into(),
            email: "eve@example.com".into(),
            subject: "Hi\r\nBcc: victim@example.com".into(),
            message: "<script>alert(1)</script>\nsecond line".into(),
            received_at: "2026-11-25T10:00:00Z".into(),
        };
        let email = t.contact_forward("staff@beeget.local", &contact).unwrap();
        assert!(!email.html.contains("<script>"));
        assert!(email.html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
        assert!(email.text.contains("<script>alert(1)</script>"));
        assert_eq!(email.subject, "Contact form: Hi Bcc: victim@example.com");
        let reply_to = email.reply_to.expect("reply-to");
        assert_eq!(reply_to.name.as_deref(), Some("Eve <script>"));
        assert_eq!(reply_to.email.to_string(), "eve@example.com");
    }

    /// `=?utf-8?b?…?=` decoded; any other text as it is.
    fn decode_encoded_word(word: &str) -> String {
        use base64::Engine;
        match word.strip_prefix("=?utf-8?b?").and_then(|w| w.strip_suffix("?=")) {
            Some(encoded) => {
                String::from_utf8(base64::engine::general_purpose::STANDARD.decode(encoded).unwrap()).unwrap()
            }
            None => word.to_owned(),
        }
    }

    /// Names with the characters that need quoting in a header survive the round trip.
    #[test]
    fn reply_to_quotes_any_display_name() {
        let t = templates();
        for name in [
            "Doe, Jane",
            "Ada: Lovelace",
            "a;b",
            "x@y",
            "(Grace)",
            "Ana \"Ani\" Ruiz",
        ] {
            let contact = ContactMessage {
                name: name.into(),
                email: "jane@example.com".into(),
                subject: "Hello".into(),
                message: "Hi".into(),
                received_at: "2026-11-25T10:00:00Z".into(),
            };
            let email = t.contact_forward("staff@beeget.local", &contact).unwrap();
            let from: lettre::message::Mailbox = "Shop <shop@beeget.local>".parse().unwrap();
            let message = crate::email::message::to_message(&from, &email).unwrap();
            let raw = String::from_utf8(message.formatted()).unwrap();
            let header = raw
                .lines()
                .find(|l| l.starts_with("Reply-To:"))
                .expect("a Reply-To header")
                .trim_start_matches("Reply-To:")
                .trim();
            let parsed: lettre::message::Mailbox = header.parse().unwrap_or_else(|e| panic!("{name}: {header}: {e}"));
            // lettre sends a name with specials as an RFC 2047 encoded word.
            let shown = parsed.name.as_deref().map(decode_encoded_word);
            assert_eq!(shown.as_deref(), Some(name), "{header}");
            assert_eq!(parsed.email.to_string(), "jane@example.com");
        }
    }

    #[test]
    fn sales_report_attaches_csv() {
        let t = templates();
        let report = SalesReport {
            date: "2026-11-24".into(),
            orders: 0,
            revenue: "$0.00".into(),
            average_order: "$0.00".into(),
            top_products: vec![],
        };
        let email = t
            .daily_sales_report("staff@beeget.local", &report, b"date,orders\n2026-11-24,0\n".to_vec())
            .unwrap();
        assert_eq!(email.attachments[0].filename, "sales-2026-11-24.csv");
        assert!(email.html.contains("No sales") || email.text.contains("No sales"));
    }
}
