//! CMS pages and the contact form.

use super::{ServiceError, ServiceResult};
use crate::{
    domain::{InvalidField, catalogue::CmsPage, email::Email},
    jobs::{ForwardContactMessage, JobQueue},
    repos::{ContactMessage, NewContactMessage, Repos},
};

#[derive(Clone)]
pub struct ContentService {
    repos: Repos,
    jobs: JobQueue,
}

/// A contact form submission as received.
pub struct ContactForm {
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
}

fn bounded(field: &str, value: &str, max: usize, errors: &mut Vec<InvalidField>) -> String {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max {
        errors.push(InvalidField::new(field, format!("must be 1 to {max} characters")));
    }
    trimmed.to_owned()
}

impl ContentService {
    pub fn new(repos: Repos, jobs: JobQueue) -> Self {
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
        let name = bounded("name", &form.name, 100, &mut errors);
        let email = Email::parse("email", &form.email).map_err(|e| errors.push(e)).ok();
        let subject = bounded("subject", &form.subject, 200, &mut errors);
        let message = bounded("message", &form.message, 5000, &mut errors);
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
        // The message is safe in the database either way; staff still see it if the forward
        // cannot be queued, so the shopper is not told to send it again.
        let forward = ForwardContactMessage { message_id: stored.id };
        if let Err(e) = self.jobs.enqueue(&forward).await {
            tracing::error!(message_id = %stored.id, error = %format!("{e:#}"), "cannot queue the contact forward");
        }
        Ok(stored)
    }
}
