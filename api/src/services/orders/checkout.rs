//! Placing an order: the cart priced into an order in one transaction, then the payment,
//! resumed by a repeated request with the same idempotency key.

use super::*;

/// Marks a checkout as being processed until dropped (also when its request is abandoned).
struct InFlight {
    set: Arc<InFlightSet>,
    entry: (Uuid, String),
}

impl InFlight {
    /// `None` when a request with the same user and key is already being processed here.
    fn claim(set: &Arc<InFlightSet>, user_id: Uuid, key: &str) -> Option<Self> {
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

/// The answer to a copy of a checkout that another request with the same key is processing.
fn key_in_use() -> ServiceError {
    ServiceError::InProgress {
        code: "idempotency_key_in_use",
        detail: "a request with this Idempotency-Key is still being processed; retry shortly".into(),
        retry_after_secs: IN_PROGRESS_RETRY_SECS,
    }
}

impl OrderService {
    /// Places an order from the user's cart. `request_hash` identifies the request body: the
    /// same key with another body is refused.
    ///
    /// Copies of one request (same user, key and body) get the one order, whether they come
    /// one after another or at once: while a copy is being processed in this process, the
    /// others get `idempotency_key_in_use` (retry shortly); a copy on another instance that
    /// finds the cart already bought or emptied by its twin answers with the twin's order.
    pub async fn place(
        &self,
        user_id: Uuid,
        key: &IdempotencyKey,
        request_hash: &str,
        input: PlaceOrder,
    ) -> ServiceResult<Order> {
        let key = key.as_str();
        let Some(_in_flight) = InFlight::claim(&self.in_flight, user_id, key) else {
            return Err(key_in_use());
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
        let user = self
            .repos
            .users
            .find_by_id(user_id)
            .await?
            .ok_or(ServiceError::Unauthenticated("unauthenticated"))?;
        let address = self.shipping_address(user_id, &user.name, input.shipping).await?;
        if let Some(code) = input.promo_code.as_deref() {
            self.cart.apply_code(user_id, code, "promoCode").await?;
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
            payment_method: input.payment_method.as_str().to_owned(),
            idempotency_key: key.to_owned(),
            request_hash: request_hash.to_owned(),
            lines,
            created_at: Utc::now(),
        };
        let order_id = order.id;
        match self.repos.orders.place(order).await? {
            PlaceOutcome::Placed => self.stock_moved().await,
            PlaceOutcome::KeyTaken => {
                // A concurrent request with the same key got there first: answer as it will.
                let existing = self
                    .repos
                    .orders
                    .find_by_idempotency_key(user_id, key)
                    .await?
                    .ok_or_else(key_in_use)?;
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
    pub(super) async fn mark_paid(&self, order: &Order, payment_id: &str) -> ServiceResult<bool> {
        let mut change = StatusChange::new(OrderStatus::PendingPayment.transition(OrderStatus::Paid)?);
        change.payment_status = Some(PaymentStatus::Succeeded);
        change.payment_reference = Some(payment_id.to_owned());
        change.note = Some("payment received".into());
        change.jobs = vec![crate::jobs::deferred(&SendOrderConfirmation { order_id: order.id })];
        if !self.change_status(order.id, change).await? {
            return Ok(false);
        }
        self.jobs.relay_soon();
        let cart = self.repos.carts.get_or_create(order.user_id).await?;
        let variants: Vec<Uuid> = order.lines.iter().filter_map(|l| l.variant_id).collect();
        self.repos.carts.remove_ordered(cart, &variants).await?;
        Ok(true)
    }

    /// The payment was refused: the order is cancelled and its stock released; the cart stays.
    async fn fail_payment(&self, order: &Order, payment_id: Option<String>, reason: &str) -> ServiceResult<bool> {
        let mut change = StatusChange::new(OrderStatus::PendingPayment.transition(OrderStatus::Cancelled)?);
        change.payment_status = Some(PaymentStatus::Failed);
        change.payment_reference = payment_id;
        change.payment_failure = Some(reason.to_owned());
        change.restock = true;
        change.note = Some(format!("payment refused: {reason}"));
        Ok(self.change_status(order.id, change).await?)
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
            ShippingChoice::New(fields) => fields.validated().map_err(|errors| {
                ServiceError::Invalid(errors.into_iter().map(|e| e.within("shippingAddress")).collect())
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
