//! The transport-neutral message and its RFC 5322 form.

use lettre::{
    Message,
    message::{Attachment as LettreAttachment, Mailbox, MultiPart, SinglePart, header::ContentType},
};

use super::MailError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// A rendered email: both an HTML and a plain-text body, always.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    /// Built with lettre's type so the display name is quoted as RFC 5322 needs.
    pub reply_to: Option<Mailbox>,
    pub attachments: Vec<Attachment>,
}

pub(crate) fn parse_mailbox(field: &str, raw: &str) -> Result<Mailbox, MailError> {
    raw.parse::<Mailbox>()
        .map_err(|e| MailError::Invalid(format!("{field}: {raw:?} is not a valid address ({e})")))
}

/// Builds the MIME message: `multipart/mixed` of a `multipart/alternative` (text, then HTML)
/// and the attachments.
pub(crate) fn to_message(from: &Mailbox, email: &OutgoingEmail) -> Result<Message, MailError> {
    let mut builder = Message::builder()
        .from(from.clone())
        .to(parse_mailbox("to", &email.to)?)
        .subject(email.subject.clone());
    if let Some(reply_to) = &email.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    let alternative = MultiPart::alternative()
        .singlepart(SinglePart::plain(email.text.clone()))
        .singlepart(SinglePart::html(email.html.clone()));
    let body = if email.attachments.is_empty() {
        alternative
    } else {
        email
            .attachments
            .iter()
            .try_fold(MultiPart::mixed().multipart(alternative), |mixed, a| {
                let content_type = ContentType::parse(&a.content_type)
                    .map_err(|e| MailError::Invalid(format!("attachment {}: {e}", a.filename)))?;
                Ok::<_, MailError>(
                    mixed.singlepart(LettreAttachment::new(a.filename.clone()).body(a.content.clone(), content_type)),
                )
            })?
    };
    builder
        .multipart(body)
        .map_err(|e| MailError::Invalid(format!("cannot build message: {e}")))
}
