//! CMS pages and the contact form.

use super::{ServiceError, ServiceResult};
use crate::{
    domain::{catalogue::CmsPage, email::Email, text},
    jobs::{ForwardContactMessage, JobSender},
    repos::{ContactMessage, NewContactMessage, RepoError, Repos},
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
        let stored = self
            .repos
            .contact
            .create(NewContactMessage {
                name,
                email: email.as_str().to_owned(),
                subject,
                message,
            })
            .await?;
        // The forward goes to the queue, or to the outbox when the queue is unreachable. When
        // neither can take it the shopper hears so (503) rather than a success nobody acts on.
        let forward = ForwardContactMessage { message_id: stored.id };
        if let Err(e) = self.jobs.send(&forward).await {
            tracing::error!(message_id = %stored.id, error = %format!("{e:#}"), "cannot queue the contact forward");
            return Err(RepoError::Unavailable(format!("{e:#}")).into());
        }
        Ok(stored)
    }
}
