//! Checkout and the order lifecycle: placing an order from the cart, taking payment, the
//! shopper's cancellation, staff status changes and what payment providers report.
//!
//! Placing is two steps around the provider call, which must never run inside a database
//! transaction: (1) one transaction stores the order as `pending_payment` and takes its stock;
//! (2) the charge; its outcome then moves the order on (paid, or cancelled with the stock
//! back). A request repeated with the same idempotency key resumes at step 2, and the
//! provider gets the same key, so an order is charged at most once.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{
    ServiceError, ServiceResult,
    cart::{CartService, CartView},
    profile::validate_address,
};
use crate::{
    domain::{
        InvalidField,
        order::{Order, OrderFilter, OrderLine, OrderSummary, PaymentStatus, Shipment, ShippingAddress},
        order_status::OrderStatus,
        pagination::{Page, PageRequest},
        text,
    },
    jobs::{JobQueue, SendOrderConfirmation, SendOrderDelivered, SendOrderShipped},
    payments::{ChargeOutcome, ChargeRequest, PaymentError, PaymentProvider, ProviderEvent, ProviderEventKind},
    repos::{AddressFields, NewOrder, NewOrderLine, PaymentUpdate, PlaceOutcome, PricedFrom, Repos, StatusChange},
};

/// Where the order ships: an address-book entry or one given with the order.
#[derive(Debug, Clone)]
pub enum ShippingChoice {
    Saved(Uuid),
    New(AddressFields),
}

#[derive(Debug, Clone)]
pub struct PlaceOrder {
    pub shipping: ShippingChoice,
    pub payment_method: String,
    pub promo_code: Option<String>,
}

/// A staff member's status change.
#[derive(Debug, Clone)]
pub struct StatusRequest {
    pub status: OrderStatus,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub note: Option<String>,
}

#[derive(Clone)]
pub struct OrderService {
    repos: Repos,
    cart: CartService,
    payments: Arc<dyn PaymentProvider>,
    jobs: JobQueue,
    /// Checkouts being processed in this process, by (user, idempotency key).
    in_flight: Arc<Mutex<HashSet<(Uuid, String)>>>,
}

/// Marks a checkout as being processed until dropped (also when its request is abandoned).
struct InFlight {
    set: Arc<Mutex<HashSet<(Uuid, String)>>>,
    entry: (Uuid, String),
}

impl InFlight {
    /// `None` when a request with the same user and key is already being processed here.
    fn claim(set: &Arc<Mutex<HashSet<(Uuid, String)>>>, user_id: Uuid, key: &str) -> Option<Self> {
        let entry = (user_id, key.to_owned());
        let fresh = set
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(entry.clone());
        fresh.then(|| Self {
            set: set.clone(),
            entry,
        })
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.set
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&self.entry);
    }
}

/// How long a client waits before asking again about a checkout still in progress.
const IN_PROGRESS_RETRY_SECS: u64 = 1;

impl OrderService {
    pub fn new(repos: Repos, cart: CartService, payments: Arc<dyn PaymentProvider>, jobs: JobQueue) -> Self {
        Self {
            repos,
            cart,
            payments,
            jobs,
            in_flight: Arc::default(),
        }
    }

    /// Places an order from the user's cart. `request_hash` identifies the request body: the
    /// same key with another body is refused.
    ///
    /// Copies of one request (same user, key and body) get the one order, whether they come
    /// one after another or at once: while a copy is being processed in this process, the
    /// others get `idempotency_key_in_use` (retry shortly); a copy on another instance that
    /// finds the cart already bought or emptied by its twin answers with the twin's order.
    pub async fn place(&self, user_id: Uuid, key: &str, request_hash: &str, input: PlaceOrder) -> ServiceResult<Order> {
        let key = key.trim();
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InvalidField::new("Idempotency-Key", "must be 1 to 255 visible ASCII characters").into());
        }
        let Some(_in_flight) = InFlight::claim(&self.in_flight, user_id, key) else {
            return Err(ServiceError::InProgress {
                code: "idempotency_key_in_use",
                detail: "a request with this Idempotency-Key is still being processed; retry shortly".into(),
                retry_after_secs: IN_PROGRESS_RETRY_SECS,
            });
        };
        if let Some(existing) = self.repos.orders.find_by_idempotency_key(user_id, key).await? {
            return self.replay(existing, request_hash).await;
        }
        match self.place_new(user_id, key, request_hash, input).await {
            // The cart changed under us: if a twin request placed the order meanwhile (from
            // another instance), this copy answers with it rather than with the twin's effect.
            Err(
                e @ (ServiceError::Conflict { .. } | ServiceError::InsufficientStock { .. } | ServiceError::Invalid(_)),
            ) => match self.repos.orders.find_by_idempotency_key(user_id, key).await? {
                Some(existing) => self.replay(existing, request_hash).await,
                None => Err(e),
            },
            other => other,
        }
    }

    async fn place_new(&self, user_id: Uuid, key: &str, request_hash: &str, input: PlaceOrder) -> ServiceResult<Order> {
        let mut errors = Vec::new();
        let payment_method = text::PAYMENT_METHOD.check("paymentMethod", &input.payment_method, &mut errors);
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let user = self
            .repos
            .users
            .find_by_id(user_id)
            .await?
            .ok_or(ServiceError::Unauthenticated("unauthenticated"))?;
        let address = self.shipping_address(user_id, &user.name, input.shipping).await?;
        if let Some(code) = input.promo_code.as_deref() {
            self.cart.apply_code(user_id, code).await.map_err(|e| match e {
                ServiceError::Invalid(fields) => ServiceError::Invalid(
                    fields
                        .into_iter()
                        .map(|f| InvalidField::new("promoCode", f.message))
                        .collect(),
                ),
                other => other,
            })?;
        }

        let cart = self.cart.view(user_id).await?;
        if cart.lines.is_empty() {
            return Err(ServiceError::conflict("cart_empty", "the cart is empty"));
        }
        let lines = order_lines(&cart)?;
        let order = NewOrder {
            id: Uuid::now_v7(),
            user_id,
            customer_email: user.email.to_string(),
            currency: cart.currency.to_string(),
            totals: cart.totals,
            promo_code: cart.promo_code.clone(),
            shipping_address: address,
            payment_provider: self.payments.name().to_owned(),
            payment_method,
            idempotency_key: key.to_owned(),
            request_hash: request_hash.to_owned(),
            lines,
            created_at: Utc::now(),
        };
        let order_id = order.id;
        match self.repos.orders.place(order).await? {
            PlaceOutcome::Placed => {}
            PlaceOutcome::KeyTaken => {
                // A concurrent request with the same key got there first: answer as it will.
                let existing = self
                    .repos
                    .orders
                    .find_by_idempotency_key(user_id, key)
                    .await?
                    .ok_or_else(|| ServiceError::InProgress {
                        code: "idempotency_key_in_use",
                        detail: "a request with this Idempotency-Key is still being processed; retry shortly".into(),
                        retry_after_secs: IN_PROGRESS_RETRY_SECS,
                    })?;
                return self.replay(existing, request_hash).await;
            }
            // Someone bought the last units since the cart was read.
            PlaceOutcome::OutOfStock { available, .. } => return Err(ServiceError::InsufficientStock { available }),
            PlaceOutcome::PriceChanged => {
                return Err(ServiceError::conflict(
                    "price_changed",
                    "a price changed since the cart was priced; look at the cart and order again",
                ));
            }
        }
        let placed = self.load(order_id).await?;
        self.take_payment(placed).await
    }

    /// The answer to a repeated request: the same order, its payment finished if it was not.
    async fn replay(&self, existing: Order, request_hash: &str) -> ServiceResult<Order> {
        if existing.request_hash.as_deref() != Some(request_hash) {
            return Err(ServiceError::conflict(
                "idempotency_key_reused",
                "this Idempotency-Key came with another request body; use a new key",
            ));
        }
        self.take_payment(existing).await
    }

    /// Charges an order whose payment is still to be taken, and moves it on by the outcome.
    /// Orders past that point are returned as they are (or as the refusal they met).
    async fn take_payment(&self, order: Order) -> ServiceResult<Order> {
        match (order.status, order.payment.status) {
            (OrderStatus::PendingPayment, PaymentStatus::Pending) => {}
            (_, PaymentStatus::Failed) => return Err(refusal(&order)),
            _ => return Ok(order),
        }
        let request = ChargeRequest {
            order_id: order.id,
            amount: crate::domain::money::Money::from_minor("total", order.totals.total)?,
            currency: crate::domain::money::Currency::parse("currency", &order.currency)?,
            payment_method: order.payment.method.clone().unwrap_or_default(),
            // One order per (user, client key), so the order id stands for both at the provider
            // (and stays within its 255-character limit).
            idempotency_key: format!("order:{}", order.id),
        };
        let outcome = match self.payments.charge(&request).await {
            Ok(outcome) => outcome,
            Err(PaymentError::InvalidMethod(_)) => {
                self.fail_payment(&order, None, "invalid_payment_method").await?;
                return Err(refusal(&self.load(order.id).await?));
            }
            // The stock stays held; a retry with the same key charges again (idempotently), and
            // `releaseUnpaidOrders` frees it if nobody does.
            Err(PaymentError::Unavailable(why)) => return Err(ServiceError::PaymentUnavailable(why)),
        };
        match outcome {
            ChargeOutcome::Succeeded { payment_id } => {
                self.mark_paid(&order, &payment_id).await?;
                self.load(order.id).await
            }
            ChargeOutcome::Declined { payment_id, reason } => {
                self.fail_payment(&order, Some(payment_id), &reason).await?;
                Err(refusal(&self.load(order.id).await?))
            }
            ChargeOutcome::RequiresAction {
                payment_id,
                client_secret,
            } => {
                self.repos
                    .orders
                    .update_payment(
                        order.id,
                        OrderStatus::PendingPayment,
                        PaymentUpdate {
                            status: PaymentStatus::RequiresAction,
                            reference: Some(payment_id),
                            client_secret: Some(client_secret),
                            failure: None,
                        },
                    )
                    .await?;
                self.load(order.id).await
            }
        }
    }

    /// `pending_payment` → `paid`; the winner of concurrent attempts empties the cart of what
    /// was bought and queues the confirmation.
    async fn mark_paid(&self, order: &Order, payment_id: &str) -> ServiceResult<bool> {
        let mut change = StatusChange::new(OrderStatus::PendingPayment, OrderStatus::Paid);
        change.payment_status = Some(PaymentStatus::Succeeded);
        change.payment_reference = Some(payment_id.to_owned());
        change.note = Some("payment received".into());
        if !self.repos.orders.change_status(order.id, change).await? {
            return Ok(false);
        }
        let cart = self.repos.carts.get_or_create(order.user_id).await?;
        let variants: Vec<Uuid> = order.lines.iter().filter_map(|l| l.variant_id).collect();
        self.repos.carts.remove_ordered(cart, &variants).await?;
        self.enqueue(&SendOrderConfirmation { order_id: order.id }).await;
        Ok(true)
    }

    /// The payment was refused: the order is cancelled and its stock released; the cart stays.
    async fn fail_payment(&self, order: &Order, payment_id: Option<String>, reason: &str) -> ServiceResult<bool> {
        let mut change = StatusChange::new(OrderStatus::PendingPayment, OrderStatus::Cancelled);
        change.payment_status = Some(PaymentStatus::Failed);
        change.payment_reference = payment_id;
        change.payment_failure = Some(reason.to_owned());
        change.restock = true;
        change.note = Some(format!("payment refused: {reason}"));
        Ok(self.repos.orders.change_status(order.id, change).await?)
    }

    async fn enqueue<J: crate::jobs::Job>(&self, job: &J) {
        // The order is already settled; a lost email is logged, never turned into a failed order.
        if let Err(e) = self.jobs.enqueue(job).await {
            tracing::error!(job = J::NAME, error = %e, "could not queue an order email");
        }
    }

    async fn load(&self, id: Uuid) -> ServiceResult<Order> {
        self.repos.orders.find(id).await?.ok_or(ServiceError::NotFound("order"))
    }

    async fn shipping_address(
        &self,
        user_id: Uuid,
        name: &str,
        choice: ShippingChoice,
    ) -> ServiceResult<ShippingAddress> {
        let fields = match choice {
            ShippingChoice::Saved(id) => {
                self.repos
                    .addresses
                    .find(user_id, id)
                    .await?
                    .ok_or_else(|| InvalidField::new("shippingAddressId", "is not one of your addresses"))?
                    .fields
            }
            ShippingChoice::New(fields) => validate_address(&fields).map_err(|e| match e {
                ServiceError::Invalid(errors) => ServiceError::Invalid(
                    errors
                        .into_iter()
                        .map(|f| InvalidField::new(format!("shippingAddress.{}", f.field), f.message))
                        .collect(),
                ),
                other => other,
            })?,
        };
        Ok(ShippingAddress {
            recipient: name.to_owned(),
            line1: fields.line1,
            line2: fields.line2,
            city: fields.city,
            state: fields.state,
            zip: fields.zip,
            country: fields.country,
            phone: fields.phone,
        })
    }

    pub async fn list_mine(&self, user_id: Uuid, page: PageRequest) -> ServiceResult<Page<OrderSummary>> {
        Ok(self.repos.orders.list_for_user(user_id, page).await?)
    }

    /// The user's order; another user's is not found.
    pub async fn get_mine(&self, user_id: Uuid, id: Uuid) -> ServiceResult<Order> {
        match self.repos.orders.find(id).await? {
            Some(order) if order.user_id == user_id => Ok(order),
            _ => Err(ServiceError::NotFound("order")),
        }
    }

    /// The shopper cancels before the order is processed; a paid order is refunded.
    pub async fn cancel_mine(&self, user_id: Uuid, id: Uuid) -> ServiceResult<Order> {
        let order = self.get_mine(user_id, id).await?;
        // A cancellation whose refund failed is finished by asking again.
        let refund_failed =
            order.status == OrderStatus::Cancelled && order.payment.status == PaymentStatus::RefundFailed;
        if !refund_failed && !matches!(order.status, OrderStatus::PendingPayment | OrderStatus::Paid) {
            return Err(ServiceError::InvalidTransition {
                from: order.status,
                to: OrderStatus::Cancelled,
                allowed: if order.status.allowed_next().contains(&OrderStatus::Cancelled) {
                    "none for the shopper once the order is being processed; contact us".into()
                } else {
                    allowed_names(order.status)
                },
            });
        }
        self.apply(
            order,
            OrderStatus::Cancelled,
            None,
            Some("cancelled by the shopper".into()),
            None,
        )
        .await
    }

    pub async fn get(&self, id: Uuid) -> ServiceResult<Order> {
        self.load(id).await
    }

    pub async fn list(&self, filter: &OrderFilter, page: PageRequest) -> ServiceResult<Page<OrderSummary>> {
        Ok(self.repos.orders.list(filter, page).await?)
    }

    /// A staff member moves an order on. `shipped` needs a carrier and a tracking number.
    pub async fn set_status(&self, actor: Uuid, id: Uuid, request: StatusRequest) -> ServiceResult<Order> {
        let mut errors = Vec::new();
        let carrier = text::CARRIER.check_optional("carrier", request.carrier.as_deref(), &mut errors);
        let tracking_number =
            text::TRACKING_NUMBER.check_optional("trackingNumber", request.tracking_number.as_deref(), &mut errors);
        let tracking_url =
            text::TRACKING_URL.check_optional("trackingUrl", request.tracking_url.as_deref(), &mut errors);
        let note = text::STATUS_NOTE.check_optional("note", request.note.as_deref(), &mut errors);
        if tracking_url.as_deref().is_some_and(|url| !text::is_http_url(url)) {
            errors.push(InvalidField::new("trackingUrl", "must be an http(s) URL"));
        }
        if request.status == OrderStatus::Shipped {
            if carrier.is_none() {
                errors.push(InvalidField::new("carrier", "is required to mark an order shipped"));
            }
            if tracking_number.is_none() {
                errors.push(InvalidField::new(
                    "trackingNumber",
                    "is required to mark an order shipped",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let shipment = match (request.status, carrier, tracking_number) {
            (OrderStatus::Shipped, Some(carrier), Some(tracking_number)) => Some(Shipment {
                carrier,
                tracking_number,
                tracking_url,
            }),
            _ => None,
        };
        let order = self.load(id).await?;
        self.apply(order, request.status, shipment, note, Some(actor)).await
    }

    /// Applies a lifecycle change with its side effects: stock back on cancellation, a refund
    /// when money was taken, the shopper's emails.
    ///
    /// The change is claimed first (a conditional update), the refund made after: two racing
    /// changes can never both refund, and a refund is never made for a change that lost (it
    /// gets `invalid_transition`, as it would after the winner). If the provider fails, the
    /// order keeps its new status with the payment `refund_failed`, and only in that state
    /// does the same request repeated retry the refund.
    async fn apply(
        &self,
        order: Order,
        to: OrderStatus,
        shipment: Option<Shipment>,
        note: Option<String>,
        actor: Option<Uuid>,
    ) -> ServiceResult<Order> {
        let refund_due = matches!(to, OrderStatus::Cancelled | OrderStatus::Refunded)
            && order.payment.status == PaymentStatus::Succeeded;
        if order.status == to && order.payment.status == PaymentStatus::RefundFailed {
            return self.retry_refund(order).await;
        }
        order
            .status
            .transition(to)
            .map_err(|e| ServiceError::InvalidTransition {
                from: e.from,
                to: e.to,
                allowed: allowed_names(e.from),
            })?;
        let mut change = StatusChange::new(order.status, to);
        change.shipment = shipment;
        change.note = note;
        change.actor_id = actor;
        match to {
            OrderStatus::Cancelled => change.restock = true,
            OrderStatus::Paid if order.payment.status != PaymentStatus::Succeeded => {
                // Staff confirming a payment made outside the provider (e.g. a bank transfer).
                change.payment_status = Some(PaymentStatus::Succeeded);
            }
            _ => {}
        }
        if !self.repos.orders.change_status(order.id, change).await? {
            // Someone else moved it first; report against what it is now.
            let now = self.load(order.id).await?;
            return Err(ServiceError::InvalidTransition {
                from: now.status,
                to,
                allowed: allowed_names(now.status),
            });
        }
        match to {
            OrderStatus::Paid => self.enqueue(&SendOrderConfirmation { order_id: order.id }).await,
            OrderStatus::Shipped => self.enqueue(&SendOrderShipped { order_id: order.id }).await,
            OrderStatus::Delivered => self.enqueue(&SendOrderDelivered { order_id: order.id }).await,
            _ => {}
        }
        let moved = self.load(order.id).await?;
        if refund_due {
            return self.refund(moved).await;
        }
        Ok(moved)
    }

    /// Claims the retry of a failed refund (`refund_failed` → `succeeded`, one caller wins),
    /// then refunds. A caller that lost the claim is answered as it would be after the winner.
    async fn retry_refund(&self, order: Order) -> ServiceResult<Order> {
        let claimed = self
            .repos
            .orders
            .swap_payment_status(
                order.id,
                order.status,
                PaymentStatus::RefundFailed,
                PaymentStatus::Succeeded,
            )
            .await?;
        if !claimed {
            let now = self.load(order.id).await?;
            return Err(ServiceError::InvalidTransition {
                from: now.status,
                to: order.status,
                allowed: allowed_names(now.status),
            });
        }
        let mut claimed_order = order;
        claimed_order.payment.status = PaymentStatus::Succeeded;
        self.refund(claimed_order).await
    }

    /// Refunds a cancelled or refunded order's payment in full (idempotent at the provider).
    /// When the provider fails, the payment is marked `refund_failed` and the caller gets 503.
    async fn refund(&self, order: Order) -> ServiceResult<Order> {
        let reference = order.payment.reference.clone().ok_or_else(|| {
            ServiceError::conflict(
                "payment_reference_missing",
                "the payment has no provider reference to refund",
            )
        })?;
        if let Err(e) = self.payments.refund(&reference, &format!("refund:{}", order.id)).await {
            self.repos
                .orders
                .swap_payment_status(
                    order.id,
                    order.status,
                    order.payment.status,
                    PaymentStatus::RefundFailed,
                )
                .await?;
            return Err(ServiceError::PaymentUnavailable(format!(
                "refund of order {}: {e}",
                order.id
            )));
        }
        self.repos
            .orders
            .update_payment(
                order.id,
                order.status,
                PaymentUpdate {
                    status: PaymentStatus::Refunded,
                    reference: Some(reference),
                    client_secret: None,
                    failure: None,
                },
            )
            .await?;
        self.load(order.id).await
    }

    /// Acts on a provider's webhook event once, whatever order events arrive in.
    pub async fn handle_provider_event(&self, event: ProviderEvent) -> ServiceResult<()> {
        let now = Utc::now();
        if !self
            .repos
            .orders
            .record_payment_event(event.provider, &event.id, event.kind.name(), now)
            .await?
        {
            tracing::info!(event = %event.id, "payment event already handled");
            return Ok(());
        }
        let result = self.act_on(&event).await;
        if result.is_err() {
            // Let the provider's retry be handled afresh.
            self.repos
                .orders
                .forget_payment_event(event.provider, &event.id)
                .await?;
        }
        result
    }

    async fn act_on(&self, event: &ProviderEvent) -> ServiceResult<()> {
        let order = match self
            .repos
            .orders
            .find_by_payment_reference(&event.payment_reference)
            .await?
        {
            Some(order) => Some(order),
            None => match event.order_id {
                Some(id) => self.repos.orders.find(id).await?,
                None => None,
            },
        };
        let Some(order) = order else {
            tracing::warn!(event = %event.id, reference = %event.payment_reference, "payment event for no known order");
            return Ok(());
        };
        match &event.kind {
            ProviderEventKind::PaymentSucceeded => match order.status {
                OrderStatus::PendingPayment => {
                    self.mark_paid(&order, &event.payment_reference).await?;
                }
                // Paid after the order was given up (released or cancelled): the money goes back.
                OrderStatus::Cancelled if order.payment.status != PaymentStatus::Refunded => {
                    let mut paid = order;
                    paid.payment.reference = Some(event.payment_reference.clone());
                    self.refund(paid).await?;
                }
                _ => {}
            },
            ProviderEventKind::PaymentFailed { reason } => {
                // Only news while payment is pending; a late failure never undoes a success.
                self.repos
                    .orders
                    .update_payment(
                        order.id,
                        OrderStatus::PendingPayment,
                        PaymentUpdate {
                            status: PaymentStatus::Failed,
                            reference: Some(event.payment_reference.clone()),
                            client_secret: None,
                            failure: Some(reason.clone()),
                        },
                    )
                    .await?;
            }
            ProviderEventKind::Refunded => {
                let mut change = StatusChange::new(order.status, OrderStatus::Refunded);
                change.payment_status = Some(PaymentStatus::Refunded);
                change.note = Some("refunded at the payment provider".into());
                match order.status {
                    // A refund that overtook its payment's success: nothing is owed, nothing ships.
                    OrderStatus::PendingPayment => {
                        change.to = OrderStatus::Cancelled;
                        change.restock = true;
                    }
                    OrderStatus::Cancelled | OrderStatus::Refunded => return Ok(()),
                    _ => {}
                }
                self.repos.orders.change_status(order.id, change).await?;
            }
            ProviderEventKind::Other(_) => {}
        }
        Ok(())
    }
}

/// The cart's lines as order lines, with the catalogue prices they were priced from. A line
/// that cannot be bought as it stands stops the checkout: the shopper fixes the cart first.
fn order_lines(cart: &CartView) -> ServiceResult<Vec<NewOrderLine>> {
    cart.lines
        .iter()
        .map(|line| {
            let (Some(product), Some(variant), Some(priced)) = (&line.product, &line.variant, &line.priced) else {
                return Err(ServiceError::conflict(
                    "cart_has_unavailable_items",
                    "the cart holds items no longer sold; remove them first",
                ));
            };
            if line.problem.is_some() {
                return Err(ServiceError::InsufficientStock {
                    available: variant.inventory_count.max(0) as u32,
                });
            }
            Ok(NewOrderLine {
                line: OrderLine {
                    id: Uuid::now_v7(),
                    product_id: Some(product.id),
                    variant_id: Some(variant.id),
                    title: product.title.clone(),
                    slug: product.slug.clone(),
                    image: product.images.first().cloned(),
                    sku: variant.sku.clone(),
                    size: variant.size.clone(),
                    color: variant.color.clone(),
                    quantity: line.quantity,
                    price_at_purchase: priced.unit_price,
                    discount: priced.discount,
                    line_total: priced.total,
                },
                priced_from: PricedFrom {
                    product_price: product.price.minor(),
                    product_sale_price: product.sale_price.map(|m| m.minor()),
                    variant_price: variant.price.map(|m| m.minor()),
                },
            })
        })
        .collect()
}

/// The refusal an order met at payment, as the error its request gets.
fn refusal(order: &Order) -> ServiceError {
    match order.payment.failure.as_deref() {
        Some("invalid_payment_method") => {
            InvalidField::new("paymentMethod", "is not a payment method the provider accepts").into()
        }
        reason => ServiceError::PaymentDeclined {
            reason: reason.unwrap_or("declined").to_owned(),
        },
    }
}

fn allowed_names(status: OrderStatus) -> String {
    let allowed = status.allowed_next();
    if allowed.is_empty() {
        "none (final state)".into()
    } else {
        allowed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
    }
}

/// Cancels orders left unpaid since before `now - timeout`, releasing their stock; returns
/// how many. Each is moved only if still unpaid, so a payment arriving meanwhile wins.
pub async fn release_unpaid_orders(
    repos: &Repos,
    now: DateTime<Utc>,
    timeout_minutes: u32,
    batch: u64,
) -> ServiceResult<u64> {
    let cutoff = now - Duration::minutes(i64::from(timeout_minutes));
    let mut released = 0;
    loop {
        let ids = repos.orders.pending_payment_before(cutoff, batch.max(1)).await?;
        let found = ids.len() as u64;
        for id in ids {
            let mut change = StatusChange::new(OrderStatus::PendingPayment, OrderStatus::Cancelled);
            change.restock = true;
            change.note = Some(format!("not paid within {timeout_minutes} minutes; stock released"));
            if repos.orders.change_status(id, change).await? {
                released += 1;
            }
        }
        if found < batch.max(1) {
            return Ok(released);
        }
    }
}
