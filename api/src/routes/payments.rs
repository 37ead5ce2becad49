use std::sync::Arc;

use poem::{FromRequest, Request, RequestBody, http::StatusCode};
use poem_openapi::{
    ApiResponse, OpenApi, impl_apirequest_for_payload,
    param::Header,
    payload::{Json, ParsePayload, Payload},
    registry::MetaSchemaRef,
    types::Type,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{ApiTags, AppState};
use crate::{
    error::{ApiError, Problem},
    payments::webhook_signature,
    services::orders::{ProviderEvent, ProviderEventKind},
};

pub struct PaymentsApi(pub Arc<AppState>);

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

#[derive(Deserialize)]
struct StripeEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: StripeEventData,
}

#[derive(Deserialize)]
struct StripeEventData {
    object: StripeObject,
}

#[derive(Deserialize)]
struct StripeObject {
    id: String,
    /// On a charge: the PaymentIntent it belongs to.
    payment_intent: Option<String>,
    #[serde(default)]
    metadata: std::collections::HashMap<String, String>,
    last_payment_error: Option<StripeError>,
}

#[derive(Deserialize)]
struct StripeError {
    code: Option<String>,
    decline_code: Option<String>,
}

fn bad_request(code: &str, detail: &str) -> ApiError {
    ApiError::BadRequest(Json(Problem::new(StatusCode::BAD_REQUEST, code, detail.to_owned())))
}

impl StripeEvent {
    fn into_provider_event(self) -> ProviderEvent {
        let object = self.data.object;
        let kind = match self.kind.as_str() {
            "payment_intent.succeeded" => ProviderEventKind::PaymentSucceeded,
            "payment_intent.payment_failed" => ProviderEventKind::PaymentFailed {
                reason: object
                    .last_payment_error
                    .as_ref()
                    .and_then(|e| e.decline_code.clone().or_else(|| e.code.clone()))
                    .unwrap_or_else(|| "payment_failed".into()),
            },
            "charge.refunded" => ProviderEventKind::Refunded,
            other => ProviderEventKind::Other(other.to_owned()),
        };
        ProviderEvent {
            provider: "stripe",
            id: self.id,
            order_id: object.metadata.get("order_id").and_then(|id| Uuid::parse_str(id).ok()),
            // A charge names its PaymentIntent; a PaymentIntent is its own reference.
            payment_reference: object.payment_intent.unwrap_or(object.id),
            kind,
        }
    }
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
        #[oai(name = "Stripe-Signature")] signature: Header<Option<String>>,
        body: RawJson,
    ) -> Result<WebhookAccepted, ApiError> {
        let stripe = &self.0.config.payments.stripe;
        if stripe.webhook_secret.is_empty() {
            return Err(ApiError::not_found("stripe webhook endpoint"));
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
        let event: StripeEvent = serde_json::from_slice(&body.0)
            .map_err(|e| bad_request("malformed_event", &format!("not a Stripe event: {e}")))?;
        self.0.orders.handle_provider_event(event.into_provider_event()).await?;
        Ok(WebhookAccepted::Ok)
    }
}
