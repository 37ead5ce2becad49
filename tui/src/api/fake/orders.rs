//! Orders in the fake: five in several statuses, listed (filtered by status, payment and
//! text), read, and moved along their allowed statuses.

use beeget_client::types;
use serde_json::{Value, json};

use super::{AT, State, from, not_found, page, problem, unanswered};
use crate::api::{Failure, Reply, Request};

fn next_statuses(status: &str) -> Value {
    json!(match status {
        "pending_payment" => vec!["paid", "cancelled"],
        "paid" => vec!["processing", "cancelled", "refunded"],
        "processing" => vec!["shipped", "cancelled", "refunded"],
        "shipped" => vec!["delivered", "refunded"],
        "delivered" => vec!["refunded"],
        _ => vec![],
    })
}

pub(super) fn order(n: u32, status: &str, email: &str, total: i64) -> types::Order {
    from(json!({
        "id": format!("ord-{n}"), "number": format!("BG-{n:08X}"), "orderStatus": status,
        "nextStatuses": next_statuses(status), "paymentStatus": if status == "pending_payment" { "pending" } else { "succeeded" },
        "items": [{"id": format!("line-{n}"), "title": "Linen Shirt", "slug": "linen-shirt", "sku": "LINEN-M-SAND",
                   "size": "M", "color": "Sand", "qty": 2, "priceAtPurchase": total / 2 - 250, "discount": 0,
                   "lineTotal": total - 500, "productId": "prod-1", "variantId": "var-1"}],
        "subtotal": total - 500, "discountTotal": 0, "shippingTotal": 500, "totalAmount": total, "currency": "EUR",
        "shippingAddress": {"recipient": "Ada Lovelace", "line1": "12 Harbour St", "city": "Dublin", "zip": "D02",
                            "country": "IE"},
        "payment": {"provider": "fake"},
        "timeline": [{"status": "pending_payment", "at": AT}, {"status": status, "at": AT}],
        "customerEmail": email, "createdAt": AT, "updatedAt": AT
    }))
}

fn summary(o: &types::Order) -> Value {
    json!({
        "id": o.id, "number": o.number, "orderStatus": o.order_status, "nextStatuses": o.next_statuses,
        "paymentStatus": o.payment_status, "subtotal": o.subtotal, "discountTotal": o.discount_total,
        "shippingTotal": o.shipping_total, "totalAmount": o.total_amount, "currency": o.currency,
        "itemCount": o.items.iter().map(|l| l.qty).sum::<u32>(), "customerEmail": o.customer_email,
        "createdAt": o.created_at, "updatedAt": o.updated_at
    })
}

impl State {
    /// Orders: listed, read, and a status change checked against `nextStatuses`.
    pub(super) fn orders(&mut self, request: Request) -> Result<Reply, Failure> {
        use Request as R;
        Ok(match request {
            R::Orders(q) => {
                let items = self
                    .orders
                    .iter()
                    .filter(|o| q.status.is_none_or(|s| o.order_status == s))
                    .filter(|o| q.payment_status.is_none_or(|s| o.payment_status == s))
                    .filter(|o| {
                        q.q.as_deref().is_none_or(|t| {
                            o.number.contains(t) || o.customer_email.as_deref().is_some_and(|e| e.contains(t))
                        })
                    })
                    .map(summary)
                    .collect();
                Reply::Orders(from(page(items, q.paging.page, q.paging.limit)))
            }
            R::Order(id) => Reply::Order(self.orders.iter().find(|o| o.id == id).cloned().ok_or_else(not_found)?),
            R::SetOrderStatus { id, change } => {
                let order = self.orders.iter_mut().find(|o| o.id == id).ok_or_else(not_found)?;
                if !order.next_statuses.contains(&change.status) {
                    return Err(problem(409, "invalid_transition", "not allowed from here", json!([])));
                }
                let status = change.status.to_string();
                let mut value = serde_json::to_value(&*order).expect("order as JSON");
                value["orderStatus"] = json!(status);
                value["nextStatuses"] = next_statuses(&status);
                value["carrier"] = json!(change.carrier);
                value["trackingNumber"] = json!(change.tracking_number);
                value["timeline"].as_array_mut().expect("timeline").push(json!({
                    "status": status, "at": AT, "carrier": change.carrier, "trackingNumber": change.tracking_number
                }));
                *order = from(value);
                Reply::Order(order.clone())
            }
            other => return Err(unanswered("the fake's orders", &other)),
        })
    }
}
