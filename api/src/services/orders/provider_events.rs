//! What payment providers report: each webhook event acted on once, whatever order events
//! arrive in.

use super::*;

impl OrderService {
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
                let (to, restock) = match order.status {
                    // A refund that overtook its payment's success: nothing is owed, nothing ships.
                    OrderStatus::PendingPayment => (OrderStatus::Cancelled, true),
                    OrderStatus::Cancelled | OrderStatus::Refunded => return Ok(()),
                    _ => (OrderStatus::Refunded, false),
                };
                let mut change = StatusChange::new(order.status.transition(to)?);
                change.payment_status = Some(PaymentStatus::Refunded);
                change.note = Some("refunded at the payment provider".into());
                change.restock = restock;
                self.change_status(order.id, change).await?;
            }
            ProviderEventKind::Other(_) => {}
        }
        Ok(())
    }
}
