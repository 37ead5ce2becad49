//! The transport-neutral message and its RFC 5322 form.

use lettre::{
    Message,
    message::{Attachment as LettreAttachment, Mailbox, Mailboxes, MultiPart, SinglePart, header::ContentType},
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
    /// One address, or several separated by commas (`Ops <ops@x.com>, cfo@x.com`): one
    /// message to all of them.
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

/// The addresses of a comma-separated list; at least one.
pub(crate) fn parse_mailboxes(field: &str, raw: &str) -> Result<Vec<Mailbox>, MailError> {
    let list: Vec<Mailbox> = raw
        .parse::<Mailboxes>()
        .map_err(|e| MailError::Invalid(format!("{field}: {raw:?} is not a list of addresses ({e})")))?
        .into_iter()
        .collect();
    if list.is_empty() {
        return Err(MailError::Invalid(format!("{field}: no address")));
    }
    Ok(list)
}

/// Builds the MIME message: `multipart/mixed` of a `multipart/alternative` (text, then HTML)
/// and the attachments.
pub(crate) fn to_message(from: &Mailbox, email: &OutgoingEmail) -> Result<Message, MailError> {
    let mut builder = Message::builder().from(from.clone()).subject(email.subject.clone());
    for to in parse_mailboxes("to", &email.to)? {
        builder = builder.to(to);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn email(to: &str) -> OutgoingEmail {
        OutgoingEmail {
            to: to.into(),
            subject: "Figures".into(),
            html: "<p>hi</p>".into(),
            text: "hi".into(),
            reply_to: None,
            attachments: Vec::new(),
        }
    }

    #[test]
    fn one_message_reaches_every_listed_recipient() {
        let from: Mailbox = "Shop <shop@example.com>".parse().unwrap();
        let message = to_message(&from, &email(r#""Ops, Night" <ops@example.com>, cfo@example.com"#)).unwrap();
        let to: Vec<String> = message.envelope().to().iter().map(ToString::to_string).collect();
        assert_eq!(to, ["ops@example.com", "cfo@example.com"]);
        assert!(to_message(&from, &email("")).is_err());
        assert!(to_message(&from, &email("ops@example.com, not an address")).is_err());
    }
}
