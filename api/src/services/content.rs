//! CMS pages and the contact form.

use uuid::Uuid;

use super::{ServiceError, ServiceResult};
use crate::{
    domain::{
        audit::AuditTarget,
        cms::CmsPage,
        email::Email,
        pagination::{Page, PageRequest},
        text,
    },
    jobs::{self, ForwardContactMessage, JobSender},
    repos::{ContactMessage, NewContactMessage, Repos},
};

#[derive(Clone)]
pub struct ContentService {
    repos: Repos,
    jobs: JobSender,
}

/// A contact form submission as received.
pub struct ContactForm {
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
}

impl ContentService {
    pub fn new(repos: Repos, jobs: JobSender) -> Self {
        Self { repos, jobs }
    }

    /// A published page; drafts are `NotFound` to the public.
    pub async fn published_page(&self, slug: &str) -> ServiceResult<CmsPage> {
        self.repos
            .pages
            .find_by_slug(slug)
            .await?
            .filter(|p| p.published)
            .ok_or(ServiceError::NotFound("page"))
    }

    pub async fn submit_contact(&self, form: ContactForm) -> ServiceResult<ContactMessage> {
        let mut errors = Vec::new();
        let name = text::PERSON_NAME.check("name", &form.name, &mut errors);
        let email = Email::parse("email", &form.email).map_err(|e| errors.push(e)).ok();
        let subject = text::CONTACT_SUBJECT.check("subject", &form.subject, &mut errors);
        let message = text::CONTACT_MESSAGE.check("message", &form.message, &mut errors);
        let Some(email) = email.filter(|_| errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        // The message and its forward to staff are stored in one transaction, so neither is
        // kept without the other; the forward then moves from the outbox to the queue now, or
        // with the relay once the queue is reachable.
        let id = Uuid::now_v7();
        let forward = jobs::deferred(&ForwardContactMessage { message_id: id });
        let message = NewContactMessage {
            name,
            email: email.as_str().to_owned(),
            subject,
            message,
        };
        let stored = self.repos.contact.create(id, message, vec![forward]).await?;
        self.jobs.relay_soon();
        Ok(stored)
    }

    /// The contact inbox, newest first: handled messages, unhandled ones, or all.
    pub async fn inbox(&self, handled: Option<bool>, page: PageRequest) -> ServiceResult<Page<ContactMessage>> {
        Ok(self.repos.contact.list(handled, page).await?)
    }

    /// A staff member marks a message handled (or back to unhandled); audited.
    pub async fn set_handled(&self, actor: Uuid, id: Uuid, handled: bool) -> ServiceResult<ContactMessage> {
        let audit = super::audit::record(actor, "contact_message.updated", (AuditTarget::ContactMessage, id));
        self.repos
            .contact
            .set_handled(id, handled, audit)
            .await?
            .ok_or(ServiceError::NotFound("contact message"))
    }
}
