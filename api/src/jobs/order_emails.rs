//! `sendOrderConfirmation`, `sendOrderShipped` and `sendOrderDelivered`: the shopper's emails
//! about an order, rendered from the order as stored when the job runs.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    job::{Job, QueueName},
    registry::JobContext,
};
use crate::{
    domain::{
        money::display,
        order::{Order, ShippingAddress},
    },
    email::templates::{self, OrderDelivered, OrderRef, OrderShipped, Recipient},
};

macro_rules! order_email_job {
    ($job:ident, $name:literal, $key:literal) => {
        #[derive(Debug, Clone, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $job {
            pub order_id: Uuid,
        }

        impl Job for $job {
            const NAME: &'static str = $name;
            const QUEUE: QueueName = QueueName::Mail;

            fn idempotency_key(&self) -> Option<String> {
                Some(format!(concat!($key, ":{}"), self.order_id))
            }
        }
    };
}

order_email_job!(SendOrderConfirmation, "sendOrderConfirmation", "order-confirmation");
order_email_job!(SendOrderShipped, "sendOrderShipped", "order-shipped");
order_email_job!(SendOrderDelivered, "sendOrderDelivered", "order-delivered");

/// The order, its address and the name to greet, or `None` when the order is gone or its
/// customer was erased since (nobody left to write to).
async fn load(ctx: &JobContext, order_id: Uuid) -> anyhow::Result<Option<(Order, ShippingAddress, Recipient)>> {
    let Some(order) = ctx.repos.orders.find(order_id).await? else {
        tracing::info!(%order_id, "order no longer exists; no email");
        return Ok(None);
    };
    let Some(address) = order.shipping_address.clone() else {
        tracing::info!(%order_id, "customer erased; no email");
        return Ok(None);
    };
    let name = match ctx.repos.users.find_by_id(order.user_id).await? {
        Some(user) => user.name,
        None => address.recipient.clone(),
    };
    Ok(Some((order, address, Recipient { name })))
}

fn order_url(ctx: &JobContext, order: &Order) -> String {
    format!(
        "{}/orders/{}",
        ctx.config.store.frontend_url.trim_end_matches('/'),
        order.id
    )
}

pub async fn send_confirmation(job: SendOrderConfirmation, ctx: JobContext) -> anyhow::Result<()> {
    let Some((order, address, user)) = load(&ctx, job.order_id).await? else {
        return Ok(());
    };
    let money = |minor: i64| display(minor, &order.currency);
    let vars = templates::OrderConfirmation {
        user,
        order: templates::OrderSummary {
            number: order.number(),
            url: order_url(&ctx, &order),
            items: order
                .lines
                .iter()
                .map(|l| templates::OrderLine {
                    title: l.title.clone(),
                    size: l.size.clone(),
                    color: l.color.clone(),
                    quantity: l.quantity,
                    unit_price: money(l.price_at_purchase),
                    line_total: money(l.line_total),
                })
                .collect(),
            subtotal: money(order.totals.subtotal),
            discount: if order.totals.discount > 0 {
                format!("-{}", money(order.totals.discount))
            } else {
                String::new()
            },
            shipping: money(order.totals.shipping),
            total: money(order.totals.total),
            shipping_address: address.lines(),
        },
    };
    let email = ctx.templates.order_confirmation(&order.customer_email, &vars)?;
    ctx.mailer.send(&email).await?;
    Ok(())
}

pub async fn send_shipped(job: SendOrderShipped, ctx: JobContext) -> anyhow::Result<()> {
    let Some((order, _, user)) = load(&ctx, job.order_id).await? else {
        return Ok(());
    };
    let Some(shipment) = order.shipment().cloned() else {
        anyhow::bail!("order {} has no shipment recorded", order.id);
    };
    let vars = OrderShipped {
        user,
        order: OrderRef {
            number: order.number(),
            url: order_url(&ctx, &order),
        },
        shipment: templates::Shipment {
            carrier: shipment.carrier,
            tracking_number: shipment.tracking_number,
            tracking_url: shipment.tracking_url.unwrap_or_default(),
        },
    };
    let email = ctx.templates.order_shipped(&order.customer_email, &vars)?;
    ctx.mailer.send(&email).await?;
    Ok(())
}

pub async fn send_delivered(job: SendOrderDelivered, ctx: JobContext) -> anyhow::Result<()> {
    let Some((order, _, user)) = load(&ctx, job.order_id).await? else {
        return Ok(());
    };
    let vars = OrderDelivered {
        user,
        order: OrderRef {
            number: order.number(),
            url: order_url(&ctx, &order),
        },
    };
    let email = ctx.templates.order_delivered(&order.customer_email, &vars)?;
    ctx.mailer.send(&email).await?;
    Ok(())
}
