//! The fake's fixed back-office data: the dashboard, users, the sales and inventory reports
//! (with the API's check of the date range), contact messages, jobs and the audit log.
//! Writes are acknowledged, not kept.

use serde_json::json;

use super::{AT, State, from, page, problem, unanswered};
use crate::api::{Failure, Reply, Request};

impl State {
    /// The back-office lists beyond orders, products, taxonomy and pages: fixed data, writes
    /// acknowledged.
    pub(super) fn back_office(&mut self, request: Request) -> Result<Reply, Failure> {
        use Request as R;
        if let R::SalesReport { start, end, .. } | R::SalesCsv { start, end, .. } = &request {
            sales_range(start, end)?;
        }
        Ok(match request {
            R::Dashboard => Reply::Dashboard(from(json!({
                "currency": "EUR", "date": "2026-11-30", "timezone": "Europe/Dublin",
                "today": {"orders": 4, "netRevenue": 28650, "units": 7, "averageOrderValue": 7162},
                "last7Days": {"orders": 31, "netRevenue": 214500, "units": 52, "averageOrderValue": 6919},
                "ordersByStatus": [{"status": "paid", "count": 1}, {"status": "processing", "count": 1},
                                   {"status": "shipped", "count": 1}, {"status": "pending_payment", "count": 1}],
                "lowStockVariants": 2, "failedJobsLast24h": 1
            }))),
            R::Users(q) => Reply::Users(from(page(
                vec![
                    json!({"id": "usr-1", "email": "admin@beeget.test", "name": "Demo Admin", "role": "admin",
                           "emailVerified": true, "createdAt": AT}),
                    json!({"id": "usr-2", "email": "ada@example.com", "name": "Ada Lovelace", "role": "user",
                           "emailVerified": true, "createdAt": AT}),
                ],
                q.paging.page,
                q.paging.limit,
            ))),
            R::SalesReport { start, end, group_by } => Reply::Sales(from(json!({
                "start": start, "end": end, "groupBy": group_by, "timezone": "Europe/Dublin", "currency": "EUR",
                "totals": {"orders": 9, "units": 14, "grossRevenue": 61000, "discounts": 2000, "refunds": 0,
                           "shipping": 4500, "netRevenue": 59000, "averageOrderValue": 6555},
                "series": [
                    {"start": "2026-11-28", "end": "2026-11-28", "orders": 2, "units": 3, "grossRevenue": 12000, "discounts": 0,
                     "refunds": 0, "shipping": 1000, "netRevenue": 12000, "averageOrderValue": 6000},
                    {"start": "2026-11-29", "end": "2026-11-29", "orders": 3, "units": 5, "grossRevenue": 21000, "discounts": 2000,
                     "refunds": 0, "shipping": 1500, "netRevenue": 19000, "averageOrderValue": 6333},
                    {"start": "2026-11-30", "end": "2026-11-30", "orders": 4, "units": 6, "grossRevenue": 28000, "discounts": 0,
                     "refunds": 0, "shipping": 2000, "netRevenue": 28000, "averageOrderValue": 7000}
                ],
                "topProducts": [{"productId": "prod-1", "title": "Linen Shirt", "slug": "linen-shirt", "units": 8, "revenue": 47200}]
            }))),
            R::SalesCsv { .. } => Reply::Csv("start,end,orders,net_revenue\n2026-11-28,2026-11-28,2,12000\n".into()),
            R::Inventory { paging, .. } => Reply::Inventory(from(json!({
                "threshold": 5, "page": paging.page, "limit": paging.limit, "total": 2,
                "items": [
                    {"productId": "prod-3", "productTitle": "Canvas Tote", "variantId": "var-3", "sku": "SKU-3-M", "size": "M",
                     "color": "Sand", "stock": 0, "soldLast30Days": 12, "daysOfStockLeft": 0.0},
                    {"productId": "prod-2", "productTitle": "Wool Coat", "variantId": "var-2", "sku": "SKU-2-M", "size": "M",
                     "color": "Sand", "stock": 2, "soldLast30Days": 3, "daysOfStockLeft": 20.0}
                ]
            }))),
            R::ContactMessages { paging, .. } => Reply::ContactMessages(from(page(
                vec![
                    json!({"id": "msg-1", "name": "Ada", "email": "ada@example.com", "subject": "Sizing",
                            "message": "Does the linen shirt run large?", "handled": false, "receivedAt": AT}),
                ],
                paging.page,
                paging.limit,
            ))),
            R::SetContactHandled { id, handled } => Reply::ContactMessage(from(json!({
                "id": id, "name": "Ada", "email": "ada@example.com", "subject": "Sizing",
                "message": "Does the linen shirt run large?", "handled": handled, "receivedAt": AT
            }))),
            R::Jobs { paging, .. } => Reply::Jobs(from(page(
                vec![
                    json!({"id": "job-1", "name": "sendEmail", "queue": "email", "status": "failed", "attempts": 5,
                           "maxAttempts": 5, "lastError": "smtp: connection refused", "runAt": AT}),
                    json!({"id": "job-2", "name": "dailySalesReport", "queue": "reports", "status": "done", "attempts": 1,
                           "maxAttempts": 3, "doneAt": AT}),
                ],
                paging.page,
                paging.limit,
            ))),
            R::RetryJob(_) => Reply::JobRetried,
            R::Audit { paging, .. } => Reply::Audit(from(page(
                vec![
                    json!({"id": "aud-1", "at": AT, "actorId": "usr-1", "action": "order.status_changed",
                            "targetType": "order", "targetId": "ord-2", "requestId": "req-7",
                            "changes": [{"field": "status", "before": "paid", "after": "processing"}]}),
                ],
                paging.page,
                paging.limit,
            ))),
            R::EraseUser(_) => Reply::Done,
            R::User(id) | R::SetUserRole { id, .. } => Reply::User(from(json!({
                "user": {"id": id, "email": "ada@example.com", "name": "Ada Lovelace", "role": "user", "emailVerified": true,
                         "createdAt": AT},
                "orderCount": 3, "totalSpent": 26650, "currency": "EUR"
            }))),
            other => return Err(unanswered("the fake", &other)),
        })
    }
}

/// The sales range as the API checks it: `start` not after `end`, at most 366 days.
fn sales_range(start: &str, end: &str) -> Result<(), Failure> {
    let day = |field: &str, text: &str| {
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            problem(
                422,
                "validation_failed",
                "invalid range",
                json!([{"field": field, "message": "not a date"}]),
            )
        })
    };
    let (first, last) = (day("start", start)?, day("end", end)?);
    let error = if first > last {
        json!({"field": "start", "message": "must not be after end"})
    } else if (last - first).num_days() + 1 > 366 {
        json!({"field": "end", "message": "must be at most 366 days from start (inclusive)"})
    } else {
        return Ok(());
    };
    Err(problem(
        422,
        "validation_failed",
        "the range is not valid",
        json!([error]),
    ))
}
