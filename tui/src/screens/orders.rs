//! Orders: the paged list (filter by text, status, payment status and dates), the details
//! (lines, totals, address, timeline) and the status dialog, which offers only the statuses
//! the lifecycle allows next (`nextStatuses` from the API) and asks for the carrier and the
//! tracking number when shipping. Space selects several orders for one status change.
//!
//! The filter (`/`) takes words: `status:shipped payment:failed from:2026-11-01 to:2026-11-30`,
//! and free text (an order number or an email). `:orders shipped` opens the shipped orders.

use std::collections::BTreeMap;

use beeget_client::types;
use crossterm::event::KeyEvent;
use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    text::Line,
    widgets::{Block, Cell, Paragraph, Row, Table, Wrap},
};

use crate::action::{Command, Purpose};
use crate::api::{Failure, OrderQuery, Reply, Request, body};
use crate::context::Ctx;
use crate::keys::{self, Binding, Key};
use crate::money;
use crate::screens::Screen;
use crate::theme::Theme;
use crate::widgets::form::{Field, FieldKind, Form, FormOutcome};
use crate::widgets::table::{Column, ListOutcome, ListRow, ListView, col};
use serde_json::json;

const COLUMNS: &[Column] = &[
    col("Number", Constraint::Length(11)),
    col("Placed", Constraint::Length(10)),
    col("Customer", Constraint::Fill(1)),
    col("Status", Constraint::Length(15)),
    col("Payment", Constraint::Length(9)),
    col("Qty", Constraint::Length(3)),
    col("Total", Constraint::Length(12)),
];

const KEYS: &[Binding] = &[
    Binding {
        keys: &[Key::Char('t')],
        command: Command::ChangeStatus,
        help: "change status (of the selected orders)",
    },
    Binding {
        keys: &[Key::Esc],
        command: Command::Back,
        help: "back to the list",
    },
];

/// The status dialog: which orders, and the form.
struct StatusDialog {
    ids: Vec<String>,
    form: Form,
    /// Calls sent: order id by ticket.
    pending: BTreeMap<u64, String>,
    failures: Vec<String>,
    moved: usize,
}

#[derive(Default)]
pub struct OrdersScreen {
    list: Option<ListView>,
    items: Vec<types::OrderSummary>,
    status: Option<types::OrderStatus>,
    payment: Option<types::PaymentStatus>,
    from: Option<String>,
    to: Option<String>,
    text: Option<String>,
    details: Option<types::Order>,
    details_loading: Option<u64>,
    dialog: Option<StatusDialog>,
}

impl OrdersScreen {
    fn list(&mut self) -> &mut ListView {
        self.list.get_or_insert_with(|| ListView::new(COLUMNS, &[]))
    }

    /// Reads the filter words into the query's fields; unknown words are free text.
    fn parse_filter(&mut self, filter: &str) -> Result<(), String> {
        let (mut status, mut payment, mut from, mut to, mut text) = (None, None, None, None, Vec::new());
        for word in filter.split_whitespace() {
            match word.split_once(':') {
                Some(("status", v)) => {
                    status = Some(
                        v.parse::<types::OrderStatus>()
                            .map_err(|_| format!("no order status \"{v}\""))?,
                    )
                }
                Some(("payment", v)) => {
                    payment = Some(
                        v.parse::<types::PaymentStatus>()
                            .map_err(|_| format!("no payment status \"{v}\""))?,
                    )
                }
                Some(("from", v)) => from = Some(date(v)?),
                Some(("to", v)) => to = Some(date(v)?),
                _ => match word.parse::<types::OrderStatus>() {
                    Ok(s) if status.is_none() => status = Some(s),
                    _ => text.push(word),
                },
            }
        }
        (self.status, self.payment, self.from, self.to) = (status, payment, from, to);
        self.text = (!text.is_empty()).then(|| text.join(" "));
        Ok(())
    }

    fn load(&mut self, ctx: &mut Ctx) {
        let query = OrderQuery {
            paging: self.list().paging,
            q: self.text.clone(),
            status: self.status,
            payment_status: self.payment,
            from: self.from.clone(),
            to: self.to.clone(),
        };
        let ticket = ctx.call(Purpose::Load, Request::Orders(query));
        self.list().loading = Some(ticket);
    }

    fn open_dialog(&mut self, ctx: &mut Ctx) {
        let ids = match &self.details {
            Some(order) => vec![order.id.clone()],
            None => self.list().targets(),
        };
        // Offer what every chosen order may move to.
        let next: Vec<Vec<types::OrderStatus>> = ids
            .iter()
            .map(|id| match &self.details {
                Some(order) if &order.id == id => order.next_statuses.clone(),
                _ => self
                    .items
                    .iter()
                    .find(|o| &o.id == id)
                    .map(|o| o.next_statuses.clone())
                    .unwrap_or_default(),
            })
            .collect();
        let Some(first) = next.first() else {
            ctx.info("no order to change");
            return;
        };
        let allowed: Vec<String> = first
            .iter()
            .filter(|s| next.iter().all(|n| n.contains(s)))
            .map(ToString::to_string)
            .collect();
        if allowed.is_empty() {
            ctx.error("no status change is allowed for these orders (cancelled and refunded are final)");
            return;
        }
        let title = if ids.len() == 1 {
            "Change the order's status".to_owned()
        } else {
            format!("Change the status of {} orders", ids.len())
        };
        let form = Form::new(
            title,
            vec![
                Field::new("status", "New status", FieldKind::Choice { options: allowed }),
                Field::new("carrier", "Carrier", FieldKind::Text),
                Field::new("trackingNumber", "Tracking no.", FieldKind::Text),
                Field::new("trackingUrl", "Tracking URL", FieldKind::Text),
                Field::new("note", "Note", FieldKind::Text),
            ],
        );
        self.dialog = Some(StatusDialog {
            ids,
            form,
            pending: BTreeMap::new(),
            failures: Vec::new(),
            moved: 0,
        });
    }

    fn submit_dialog(&mut self, ctx: &mut Ctx) {
        let Some(dialog) = &mut self.dialog else { return };
        let form = &mut dialog.form;
        let status: types::OrderStatus = match form.choice("status").and_then(|s| s.parse().ok()) {
            Some(s) => s,
            None => return,
        };
        if status == types::OrderStatus::Shipped {
            // Shipping needs the parcel's carrier and tracking number (the API checks it too).
            let mut missing = false;
            for field in form
                .fields
                .iter_mut()
                .filter(|f| matches!(f.key, "carrier" | "trackingNumber"))
            {
                if field.input.value().trim().is_empty() {
                    field.error = Some("required when shipping".into());
                    missing = true;
                }
            }
            if missing {
                form.message = Some("fix the fields marked below".into());
                return;
            }
        }
        let change: types::OrderStatusChangeRequest = match body(json!({
            "status": status, "carrier": form.text("carrier"), "trackingNumber": form.text("trackingNumber"),
            "trackingUrl": form.text("trackingUrl"), "note": form.text("note"),
        })) {
            Ok(change) => change,
            Err(message) => {
                form.message = Some(message);
                return;
            }
        };
        form.sending = true;
        for id in dialog.ids.clone() {
            let ticket = ctx.call(
                Purpose::Status,
                Request::SetOrderStatus {
                    id: id.clone(),
                    change: change.clone(),
                },
            );
            dialog.pending.insert(ticket, id);
        }
    }

    fn status_replied(&mut self, ticket: u64, result: Result<Reply, Failure>, ctx: &mut Ctx) {
        let Some(dialog) = &mut self.dialog else { return };
        let Some(id) = dialog.pending.remove(&ticket) else {
            return;
        };
        match result {
            Ok(Reply::Order(order)) => {
                dialog.moved += 1;
                if self.details.as_ref().is_some_and(|d| d.id == order.id) {
                    self.details = Some(order);
                }
            }
            Ok(_) => {}
            Err(failure) if dialog.ids.len() == 1 => {
                dialog.form.apply_failure(&failure);
                return;
            }
            Err(failure) => {
                let number = self
                    .items
                    .iter()
                    .find(|o| o.id == id)
                    .map_or(id.clone(), |o| o.number.clone());
                dialog.failures.push(format!("{number}: {failure}"));
            }
        }
        if !dialog.pending.is_empty() {
            return;
        }
        let status = dialog.form.choice("status").unwrap_or_default().to_owned();
        if dialog.failures.is_empty() {
            ctx.info(format!("{} order(s) moved to {status}", dialog.moved));
        } else {
            ctx.error(format!(
                "{} moved to {status}; not moved: {}",
                dialog.moved,
                dialog.failures.join("; ")
            ));
        }
        self.dialog = None;
        self.list().selected.clear();
        self.load(ctx);
    }

    fn draw_details(&self, order: &types::Order, frame: &mut Frame, area: Rect, theme: &Theme) {
        let [top, lines_area, timeline_area] =
            Layout::vertical([Constraint::Length(8), Constraint::Min(4), Constraint::Length(7)]).areas(area);
        let [summary_area, address_area] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(top);
        let m = |v: i64| money::format(v, &order.currency);
        let mut summary = vec![
            Line::from(format!(
                "Status   {} · payment {}",
                order.order_status, order.payment_status
            )),
            Line::from(format!(
                "Customer {}",
                order.customer_email.as_deref().unwrap_or("(erased)")
            )),
            Line::from(format!(
                "Subtotal {}   Discount {}",
                m(order.subtotal),
                m(order.discount_total)
            )),
            Line::from(format!(
                "Shipping {}   Total {}",
                m(order.shipping_total),
                m(order.total_amount)
            )),
        ];
        if let (Some(carrier), Some(number)) = (&order.carrier, &order.tracking_number) {
            summary.push(Line::from(format!("Shipped  {carrier} {number}")));
        }
        let next: Vec<String> = order.next_statuses.iter().map(ToString::to_string).collect();
        summary.push(Line::styled(
            if next.is_empty() {
                "final status".to_owned()
            } else {
                format!("t: move to {}", next.join(", "))
            },
            theme.dim(),
        ));
        let title = format!(
            " Order {} — {} ",
            order.number,
            order.created_at.format("%Y-%m-%d %H:%M")
        );
        frame.render_widget(
            Paragraph::new(summary).block(Block::bordered().title(Line::styled(title, theme.title()))),
            summary_area,
        );
        let address: Vec<Line> = match &order.shipping_address {
            Some(a) => [
                Some(a.recipient.clone()),
                Some(a.line1.clone()),
                a.line2.clone(),
                Some(format!("{} {} {}", a.zip, a.city, a.state.as_deref().unwrap_or(""))),
                Some(a.country.clone()),
                a.phone.clone(),
            ]
            .into_iter()
            .flatten()
            .map(Line::from)
            .collect(),
            None => vec![Line::from("no address (customer erased)")],
        };
        frame.render_widget(
            Paragraph::new(address)
                .wrap(Wrap { trim: true })
                .block(Block::bordered().title(" Ship to ")),
            address_area,
        );
        let rows = order.items.iter().map(|l| {
            Row::new(vec![
                Cell::from(l.sku.clone()),
                Cell::from(l.title.clone()),
                Cell::from(format!("{}/{}", l.size, l.color)),
                Cell::from(l.qty.to_string()),
                Cell::from(m(l.price_at_purchase)),
                Cell::from(m(l.line_total)),
            ])
        });
        let widths = [
            Constraint::Length(14),
            Constraint::Min(12),
            Constraint::Length(10),
            Constraint::Length(4),
            Constraint::Length(13),
            Constraint::Length(13),
        ];
        frame.render_widget(
            Table::new(rows, widths)
                .header(Row::new(vec!["SKU", "Product", "Size/Col", "Qty", "Price", "Line"]).style(theme.header()))
                .block(Block::bordered().title(" Lines ")),
            lines_area,
        );
        let timeline: Vec<Line> = order
            .timeline
            .iter()
            .rev()
            .map(|e| {
                let mut text = format!("{}  {}", e.at.format("%Y-%m-%d %H:%M"), e.status);
                if let (Some(c), Some(n)) = (&e.carrier, &e.tracking_number) {
                    text.push_str(&format!("  {c} {n}"));
                }
                if let Some(note) = &e.note {
                    text.push_str(&format!("  “{note}”"));
                }
                Line::from(text)
            })
            .collect();
        frame.render_widget(
            Paragraph::new(timeline).block(Block::bordered().title(" Timeline (newest first) ")),
            timeline_area,
        );
    }
}

fn date(text: &str) -> Result<String, String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|d| d.to_string())
        .map_err(|_| format!("\"{text}\" is not a date like 2026-11-30"))
}

fn row(o: &types::OrderSummary) -> ListRow {
    ListRow {
        id: o.id.clone(),
        cells: vec![
            o.number.clone(),
            o.created_at.format("%Y-%m-%d").to_string(),
            o.customer_email.clone().unwrap_or_else(|| "(erased)".into()),
            o.order_status.to_string(),
            o.payment_status.to_string(),
            o.item_count.to_string(),
            money::format(o.total_amount, &o.currency),
        ],
    }
}

impl Screen for OrdersScreen {
    fn bindings(&self) -> Vec<&'static [Binding]> {
        if self.details.is_some() {
            vec![KEYS]
        } else {
            vec![KEYS, keys::LIST]
        }
    }

    fn editing(&self) -> bool {
        self.dialog.is_some() || self.list.as_ref().is_some_and(|l| l.filter_input.is_some())
    }

    fn enter(&mut self, argument: Option<&str>, ctx: &mut Ctx) {
        if let Some(argument) = argument {
            self.details = None;
            match self.parse_filter(argument) {
                Ok(()) => {
                    let list = self.list();
                    list.filter = argument.to_owned();
                    list.paging.page = 1;
                }
                Err(e) => ctx.error(e),
            }
        }
        self.load(ctx);
    }

    fn command(&mut self, command: Command, ctx: &mut Ctx) {
        match command {
            Command::Refresh => {
                if let Some(order) = &self.details {
                    self.details_loading = Some(ctx.call(Purpose::Details, Request::Order(order.id.clone())));
                }
                self.load(ctx);
            }
            Command::Back => self.details = None,
            Command::ChangeStatus => self.open_dialog(ctx),
            Command::Open => {
                if let Some(id) = self.list().current().map(str::to_owned) {
                    self.details_loading = Some(ctx.call(Purpose::Details, Request::Order(id)));
                }
            }
            Command::Sort => ctx.info("orders are listed newest first"),
            other => {
                if self.list().command(other) == ListOutcome::Reload {
                    self.load(ctx);
                }
            }
        }
    }

    fn input(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        if let Some(dialog) = &mut self.dialog {
            match dialog.form.handle(&key) {
                FormOutcome::Submit => self.submit_dialog(ctx),
                FormOutcome::Cancel if dialog.pending.is_empty() => self.dialog = None,
                _ => {}
            }
            return;
        }
        let list = self.list();
        let Some(input) = &mut list.filter_input else { return };
        match key.code {
            crossterm::event::KeyCode::Esc => list.filter_input = None,
            crossterm::event::KeyCode::Enter => {
                let typed = input.value().to_owned();
                match self.parse_filter(&typed) {
                    Ok(()) => {
                        if self.list().apply_filter() == ListOutcome::Reload {
                            self.load(ctx);
                        }
                    }
                    Err(e) => ctx.error(e),
                }
            }
            _ => {
                input.handle(&key);
            }
        }
    }

    fn paste(&mut self, text: &str) {
        if let Some(dialog) = &mut self.dialog {
            dialog.form.paste(text);
        } else if let Some(input) = self.list.as_mut().and_then(|l| l.filter_input.as_mut()) {
            input.paste(text);
        }
    }

    fn reply(&mut self, ticket: u64, purpose: Purpose, result: Result<Reply, Failure>, ctx: &mut Ctx) {
        match purpose {
            Purpose::Status => self.status_replied(ticket, result, ctx),
            Purpose::Details if self.details_loading == Some(ticket) => {
                self.details_loading = None;
                match result {
                    Ok(Reply::Order(order)) => self.details = Some(order),
                    Ok(_) => {}
                    Err(failure) => ctx.failed("order", &failure),
                }
            }
            Purpose::Load if self.list().loading == Some(ticket) => {
                self.list().loading = None;
                match result {
                    Ok(Reply::Orders(page)) => {
                        self.items = self.list().fill_with(page.items, page.total, row);
                    }
                    Ok(_) => {}
                    Err(failure) => ctx.failed("orders", &failure),
                }
            }
            _ => {}
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        match (&self.details, &self.list) {
            (Some(order), _) => self.draw_details(order, frame, area, theme),
            (None, Some(list)) => list.draw(frame, area, "Orders", theme),
            (None, None) => frame.render_widget(
                Paragraph::new("loading…").block(Block::bordered().title(" Orders ")),
                area,
            ),
        }
        if let Some(dialog) = &self.dialog {
            dialog.form.draw(frame, area, theme);
        }
    }
}
