//! Which handler performs which job, and what handlers may use.

use std::{collections::HashMap, future::Future, pin::Pin, sync::Arc};

use super::job::{Job, JobEnvelope};
use crate::{
    config::Config,
    email::{Mailer, templates::EmailTemplates},
    repos::Repos,
};

/// What a job handler gets to work with: storage, mail and configuration; never HTTP.
#[derive(Clone)]
pub struct JobContext {
    pub repos: Repos,
    pub mailer: Arc<dyn Mailer>,
    pub templates: Arc<EmailTemplates>,
    pub config: Arc<Config>,
}

impl JobContext {
    /// The context the configured store runs with: its mail transport and templates.
    pub fn from_config(config: Arc<Config>, repos: Repos) -> anyhow::Result<Self> {
        Ok(Self {
            mailer: crate::email::from_config(&config.email)?,
            templates: Arc::new(EmailTemplates::new(&config.store)?),
            repos,
            config,
        })
    }
}

type HandlerFuture = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;
type Handler = Arc<dyn Fn(serde_json::Value, JobContext) -> HandlerFuture + Send + Sync>;

/// A job name that no handler knows, or a payload its handler cannot read: retrying cannot help.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error("no handler for job {0:?}")]
    UnknownJob(String),
    #[error("job {name:?} has an unreadable payload: {error}")]
    BadPayload { name: String, error: serde_json::Error },
}

/// Maps job names to handlers. `builtin()` holds the store's jobs; tests add their own.
#[derive(Clone, Default)]
pub struct JobRegistry {
    handlers: HashMap<&'static str, Handler>,
}

impl JobRegistry {
    pub fn empty() -> Self {
        Self::default()
    }

    /// Registers `handler` for jobs of type `J` (replacing an earlier one).
    pub fn register<J, F, Fut>(&mut self, handler: F) -> &mut Self
    where
        J: Job,
        F: Fn(J, JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        self.handlers.insert(
            J::NAME,
            Arc::new(move |payload, ctx| {
                let handler = handler.clone();
                Box::pin(async move {
                    let job: J = serde_json::from_value(payload).map_err(|error| DispatchError::BadPayload {
                        name: J::NAME.to_owned(),
                        error,
                    })?;
                    handler(job, ctx).await
                })
            }),
        );
        self
    }

    pub(super) async fn dispatch(&self, envelope: JobEnvelope, ctx: JobContext) -> anyhow::Result<()> {
        let handler = self
            .handlers
            .get(envelope.name.as_str())
            .ok_or_else(|| DispatchError::UnknownJob(envelope.name.clone()))?;
        handler(envelope.payload, ctx).await
    }
}
