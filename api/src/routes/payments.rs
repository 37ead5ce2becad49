use std::sync::Arc;

use poem::web::Data;

use super::{ApiTags, AppState};
use crate::{
    http::problem::{Problem, operation_errors},
    payments::{parse_stripe_event, webhook_signature},
    services::ServiceError,
};
use poem::{FromRequest, Request, RequestBody, http::StatusCode};
use poem_openapi::{
    ApiResponse, OpenApi, impl_apirequest_for_payload,
    param::Header,
    payload::{ParsePayload, Payload},
    registry::MetaSchemaRef,
    types::Type,
};

pub struct PaymentsApi;

operation_errors!(
    /// Errors of `stripeWebhook`: 400 `invalid_signature` or `malformed_event`, 404 when no
    /// webhook secret is configured. Exempt from the per-IP rate limit.
    pub enum StripeWebhookError {
        BadRequest,
        NotFound,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unavailable,
    }
);

fn bad_request(code: &str, detail: &str) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, code, detail.to_owned())
}

/// A JSON body kept as the exact bytes sent: the signature covers them, not a re-encoding.
pub struct RawJson(pub Vec<u8>);

impl Payload for RawJson {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        content_type
            .split(';')
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
    }

    fn schema_ref() -> MetaSchemaRef {
        serde_json::Value::schema_ref()
    }
}

impl ParsePayload for RawJson {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        Ok(Self(Vec::<u8>::from_request(request, body).await?))
    }
}

impl_apirequest_for_payload!(RawJson);

#[derive(ApiResponse, Debug)]
pub enum WebhookAccepted {
    /// Handled, or already handled before (a replay), or of a kind the store ignores.
    #[oai(status = 200)]
    Ok,
}

#[OpenApi(tag = "ApiTags::Payments")]
impl PaymentsApi {
    /// Stripe webhook
    ///
    /// Signed with the endpoint's secret (`Stripe-Signature`); a wrong or stale signature is a
    /// 400. Handles `payment_intent.succeeded`, `payment_intent.payment_failed` and
    /// `charge.refunded`; each event id is acted on once, in whatever order events arrive.
    #[oai(path = "/payments/stripe/webhook", method = "post", operation_id = "stripeWebhook")]
    async fn stripe_webhook(
        &self,
        state: Data<&Arc<AppState>>,
        #[oai(name = "Stripe-Signature")] signature: Header<Option<String>>,
        body: RawJson,
    ) -> Result<WebhookAccepted, StripeWebhookError> {
        let stripe = &state.config.payments.stripe;
        if stripe.webhook_secret.is_empty() {
            return Err(ServiceError::NotFound("stripe webhook endpoint").into());
        }
        let header = signature.0.unwrap_or_default();
        webhook_signature::verify(
            &body.0,
            &header,
            stripe.webhook_secret.expose(),
            chrono::Utc::now().timestamp(),
            stripe.webhook_tolerance_secs,
        )
        .map_err(|e| bad_request("invalid_signature", &e.to_string()))?;
        let event = parse_stripe_event(&body.0)
            .map_err(|e| bad_request("malformed_event", &format!("not a Stripe event: {e}")))?;
        state.orders.handle_provider_event(event).await?;
        Ok(WebhookAccepted::Ok)
    }
}
