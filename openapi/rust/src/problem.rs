//! The API's error answers as one typed error: its problem document (RFC 9457) when the
//! answer carries one, else what went wrong on the way.

use futures_core::Stream;

use crate::{Error, types::Problem};

/// An operation that did not succeed.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// The API answered with a problem document: `problem.code` is stable,
    /// `problem.errors` names each field that failed and why.
    Problem(Problem),
    /// No problem document: the connection failed, the answer was not the one documented,
    /// or the request could not be built. `status` when an answer came.
    Other { status: Option<u16>, message: String },
}

impl ApiError {
    /// Reads the error of a generated operation, taking the problem document out of its body.
    pub async fn from_response(error: Error<crate::ByteStream>) -> Self {
        let status = error.status().map(|s| s.as_u16());
        let body = match error {
            Error::ErrorResponse(response) => collect(response.into_inner()).await,
            Error::UnexpectedResponse(response) => {
                response.bytes().await.map(|b| b.to_vec()).map_err(|e| e.to_string())
            }
            other => Err(other.to_string()),
        };
        match body {
            Ok(bytes) => match serde_json::from_slice::<Problem>(&bytes) {
                Ok(problem) => Self::Problem(problem),
                Err(_) => Self::Other {
                    status,
                    message: String::from_utf8_lossy(&bytes).into_owned(),
                },
            },
            Err(message) => Self::Other { status, message },
        }
    }

    /// The problem's stable code (`validation_failed`, `not_found`…), if the API sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Problem(p) => Some(&p.code),
            Self::Other { .. } => None,
        }
    }

    /// The HTTP status, if an answer came.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Problem(p) => Some(p.status),
            Self::Other { status, .. } => *status,
        }
    }

    /// The fields the problem names, in order.
    pub fn fields(&self) -> Vec<&str> {
        match self {
            Self::Problem(p) => p.errors.iter().map(|e| e.field.as_str()).collect(),
            Self::Other { .. } => Vec::new(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Problem(p) => {
                write!(
                    f,
                    "{} {}: {}",
                    p.status,
                    p.code,
                    p.detail.as_deref().unwrap_or(&p.title)
                )?;
                if let Some(id) = &p.request_id {
                    write!(f, " (request {id})")?;
                }
                Ok(())
            }
            Self::Other {
                status: Some(s),
                message,
            } => write!(f, "{s}: {message}"),
            Self::Other { status: None, message } => f.write_str(message),
        }
    }
}

impl std::error::Error for ApiError {}

async fn collect(stream: crate::ByteStream) -> Result<Vec<u8>, String> {
    let mut stream = stream.into_inner();
    let mut body = Vec::new();
    while let Some(chunk) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut stream).poll_next(cx)).await {
        body.extend_from_slice(&chunk.map_err(|e| e.to_string())?);
    }
    Ok(body)
}
