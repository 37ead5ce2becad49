//! What a job is: a typed payload with a name and a queue, carried through storage as an envelope.

use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// The queues workers consume; each has its own concurrency (`jobs.concurrency`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueName {
    /// Outgoing email: many small, independent sends.
    Mail,
    /// Housekeeping such as cart cleanup: few, heavier jobs.
    Maintenance,
}

impl QueueName {
    pub const ALL: [QueueName; 2] = [QueueName::Mail, QueueName::Maintenance];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::Mail => "mail",
            QueueName::Maintenance => "maintenance",
        }
    }

    /// The queue called `name` (`mail`, `maintenance`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|q| q.as_str() == name)
    }
}

/// One kind of background work. The struct is the payload; `NAME` routes it to its handler.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    const NAME: &'static str;
    const QUEUE: QueueName;

    /// Work whose repetition would hurt (an email) returns a key: a second enqueue with the
    /// same key is dropped, and a job whose key already completed is not performed again.
    fn idempotency_key(&self) -> Option<String> {
        None
    }
}

/// The stored form of every job: its name and its serialised payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobEnvelope {
    pub name: String,
    pub payload: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

impl JobEnvelope {
    pub fn of<J: Job>(job: &J) -> Result<Self, serde_json::Error> {
        Ok(Self {
            name: J::NAME.to_owned(),
            payload: serde_json::to_value(job)?,
            idempotency_key: job.idempotency_key(),
        })
    }
}
