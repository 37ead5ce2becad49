//! The order lifecycle after checkout: the shopper's views and cancellation, staff status
//! changes, refunds and their retry.

use super::*;

impl OrderService {
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
                    order.status.allowed_names()
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
        let mut change = StatusChange::new(order.status.transition(to)?);
        change.audit = actor.map(|actor| status_audit(actor, &order, to, shipment.as_ref(), note.as_deref()));
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
        let email = match to {
            OrderStatus::Paid => Some(crate::jobs::deferred(&SendOrderConfirmation { order_id: order.id })),
            OrderStatus::Shipped => Some(crate::jobs::deferred(&SendOrderShipped { order_id: order.id })),
            OrderStatus::Delivered => Some(crate::jobs::deferred(&SendOrderDelivered { order_id: order.id })),
            _ => None,
        };
        change.jobs.extend(email);
        let emails = !change.jobs.is_empty();
        if !self.change_status(order.id, change).await? {
            // Someone else moved it first; report against what it is now.
            let now = self.load(order.id).await?;
            return Err(ServiceError::InvalidTransition {
                from: now.status,
                to,
                allowed: now.status.allowed_names(),
            });
        }
        if emails {
            self.jobs.relay_soon();
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
                allowed: now.status.allowed_names(),
            });
        }
        let mut claimed_order = order;
        claimed_order.payment.status = PaymentStatus::Succeeded;
        self.refund(claimed_order).await
    }

    /// Refunds a cancelled or refunded order's payment in full (idempotent at the provider).
    /// When the provider fails, the payment is marked `refund_failed` and the caller gets 503.
    pub(super) async fn refund(&self, order: Order) -> ServiceResult<Order> {
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
}

/// The audit record of a staff status change: the status, and what came with it.
fn status_audit(
    actor: Uuid,
    order: &Order,
    to: OrderStatus,
    shipment: Option<&Shipment>,
    note: Option<&str>,
) -> AuditRecord {
    let mut changes = vec![FieldChange::new(
        "status",
        Some(order.status.as_str().into()),
        Some(to.as_str().into()),
    )];
    if let Some(shipment) = shipment {
        changes.push(FieldChange::new("carrier", None, Some(shipment.carrier.clone().into())));
        changes.push(FieldChange::new(
            "trackingNumber",
            None,
            Some(shipment.tracking_number.clone().into()),
        ));
    }
    if let Some(note) = note {
        changes.push(FieldChange::new("note", None, Some(note.into())));
    }
    crate::services::audit::record(actor, "order.status_changed", (AuditTarget::Order, order.id)).with_changes(changes)
}
