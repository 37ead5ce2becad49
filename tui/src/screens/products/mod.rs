//! Products: the catalogue whatever the status, searched (`/linen`) and sorted by the API;
//! Enter opens a product with its variants and stock. `n` new, `e` edit, `d` delete (asks
//! first); in a product, ↑/↓ pick a variant, `v` adds a variant, `a` adjusts the picked
//! variant's stock with a reason; `L` shows the low-stock list from the inventory report.
//! `:products draft` lists the drafts.

mod editing;

use beeget_client::types;
use crossterm::event::KeyEvent;
use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    text::Line,
    widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap},
};

use crate::action::{Command, Purpose};
use crate::api::{Failure, ProductQuery, Reply, Request};
use crate::context::Ctx;
use crate::keys::{self, Binding, Key};
use crate::money;
use crate::screens::Screen;
use crate::theme::Theme;
use crate::widgets::confirm::{Answer, Confirm};
use crate::widgets::form::{Form, FormOutcome};
use crate::widgets::table::{Column, ListOutcome, ListRow, ListView, col};

const COLUMNS: &[Column] = &[
    col("Title", Constraint::Min(18)),
    col("Status", Constraint::Length(8)),
    col("Price", Constraint::Length(13)),
    col("Stock", Constraint::Length(6)),
    col("Variants", Constraint::Length(8)),
    col("Updated", Constraint::Length(10)),
];

const SORTS: &[&str] = &[
    "newest",
    "recently_updated",
    "title_asc",
    "title_desc",
    "price_asc",
    "price_desc",
    "oldest",
];

const KEYS: &[Binding] = &[
    Binding {
        keys: &[Key::Char('v')],
        command: Command::AddVariant,
        help: "add a variant (in a product)",
    },
    Binding {
        keys: &[Key::Char('a')],
        command: Command::AdjustStock,
        help: "adjust the variant's stock (in a product)",
    },
    Binding {
        keys: &[Key::Char('w')],
        command: Command::EditVariant,
        help: "edit the picked variant (in a product)",
    },
    Binding {
        keys: &[Key::Char('X')],
        command: Command::DeleteVariant,
        help: "delete the picked variant (asks first)",
    },
    Binding {
        keys: &[Key::Char('i')],
        command: Command::UploadImage,
        help: "upload an image file (in a product)",
    },
    Binding {
        keys: &[Key::Char('L')],
        command: Command::LowStock,
        help: "low-stock list (inventory report)",
    },
];

/// What a confirmed delete removes.
#[derive(Clone)]
enum Deletion {
    Product(String),
    Variant { product_id: String, variant_id: String },
}

const LOW_STOCK_COLUMNS: &[Column] = &[
    col("Product", Constraint::Min(16)),
    col("SKU", Constraint::Length(14)),
    col("Stock", Constraint::Length(6)),
    col("Sold 30d", Constraint::Length(8)),
    col("Days left", Constraint::Length(9)),
];

use editing::Editing;

pub struct ProductsScreen {
    list: ListView,
    items: Vec<types::AdminProduct>,
    status: Option<types::ProductStatus>,
    details: Option<types::AdminProduct>,
    variant_cursor: usize,
    form: Option<(Editing, Form)>,
    confirm: Option<(Confirm, Deletion)>,
    /// What the delete in flight removes.
    deleting: Option<Deletion>,
    categories: Vec<types::AdminCategory>,
    collections: Vec<types::AdminCollection>,
    low_stock: Option<ListView>,
    low_items: Vec<types::LowStockVariant>,
}

impl Default for ProductsScreen {
    fn default() -> Self {
        Self {
            list: ListView::new(COLUMNS, SORTS),
            items: Vec::new(),
            status: None,
            details: None,
            variant_cursor: 0,
            form: None,
            confirm: None,
            deleting: None,
            categories: Vec::new(),
            collections: Vec::new(),
            low_stock: None,
            low_items: Vec::new(),
        }
    }
}

impl ProductsScreen {
    fn load(&mut self, ctx: &mut Ctx) {
        let query = ProductQuery {
            paging: self.list.paging,
            search: self.list.filter(),
            status: self.status,
            sort: self.list.sort_name().and_then(|s| s.parse().ok()),
        };
        self.list.loading = Some(ctx.call(Purpose::Load, Request::Products(query)));
    }

    /// The categories and collections the product form offers.
    fn load_pickers(&mut self, ctx: &mut Ctx) {
        ctx.call(Purpose::Secondary, Request::Categories);
        ctx.call(Purpose::Secondary, Request::Collections);
    }

    fn load_low_stock(&mut self, ctx: &mut Ctx) {
        let list = self
            .low_stock
            .get_or_insert_with(|| ListView::new(LOW_STOCK_COLUMNS, &[]));
        list.loading = Some(ctx.call(
            Purpose::Secondary,
            Request::Inventory {
                threshold: None,
                paging: list.paging,
            },
        ));
    }

    fn open_product(&mut self, id: String, ctx: &mut Ctx) {
        ctx.call(Purpose::Details, Request::Product(id));
    }

    fn saved(&mut self, reply: Reply, ctx: &mut Ctx) {
        let Some((editing, _)) = self.form.take() else { return };
        match (editing, reply) {
            (Editing::NewProduct | Editing::EditProduct(_), Reply::Product(p)) => {
                ctx.info(format!("saved \"{}\"", p.title));
                self.variant_cursor = 0;
                self.details = Some(p);
                self.load(ctx);
            }
            (Editing::EditVariant { product_id, .. }, Reply::Variant(v)) => {
                ctx.info(format!("variant {} saved", v.sku));
                self.open_product(product_id, ctx);
            }
            (Editing::Image(product_id), Reply::Image(image)) => {
                let size = match (image.width, image.height) {
                    (Some(w), Some(h)) => format!(" ({w}×{h})"),
                    _ => String::new(),
                };
                ctx.info(format!("image added{size}: {}", image.url));
                self.open_product(product_id, ctx);
            }
            (Editing::NewVariant(product_id), Reply::Variant(v)) => {
                ctx.info(format!("variant {} added", v.sku));
                self.open_product(product_id, ctx);
            }
            (Editing::Stock { product_id, .. }, Reply::StockMovement(m)) => {
                ctx.info(format!(
                    "stock changed by {:+}: now {} ({})",
                    m.delta, m.stock_after, m.reason
                ));
                self.open_product(product_id, ctx);
                self.load(ctx);
            }
            _ => {}
        }
    }

    fn draw_details(&self, p: &types::AdminProduct, frame: &mut Frame, area: Rect, theme: &Theme) {
        let [info_area, variants_area] = Layout::vertical([Constraint::Length(7), Constraint::Min(4)]).areas(area);
        let category_names: Vec<&str> = p
            .category_ids
            .iter()
            .filter_map(|id| self.categories.iter().find(|c| &c.id == id).map(|c| c.name.as_str()))
            .collect();
        let mut price = money::format(p.price, &p.currency);
        if let Some(sale) = p.sale_price {
            price.push_str(&format!(" (sale {})", money::format(sale, &p.currency)));
        }
        let lines = vec![
            Line::from(format!("{} · /{} · {}", p.status, p.slug, price)),
            Line::from(format!(
                "Stock {} across {} variant(s) · {} image(s)",
                p.inventory_count,
                p.variants.len(),
                p.images.len()
            )),
            Line::from(format!("Categories: {}", category_names.join(", "))),
            Line::from(format!("Tags: {}", p.tags.join(", "))),
            Line::styled(p.description.lines().next().unwrap_or("").to_owned(), theme.dim()),
        ];
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: true })
                .block(Block::bordered().title(Line::styled(format!(" {} ", p.title), theme.title()))),
            info_area,
        );
        let rows = p.variants.iter().map(|v| {
            let stock_style = if v.inventory_count <= 5 {
                theme.error()
            } else {
                ratatui::style::Style::new()
            };
            Row::new(vec![
                Cell::from(v.sku.clone()),
                Cell::from(v.size.clone()),
                Cell::from(v.color.clone()),
                Cell::from(v.inventory_count.to_string()).style(stock_style),
                Cell::from(
                    v.price
                        .map(|m| money::format(m, &p.currency))
                        .unwrap_or_else(|| "—".into()),
                ),
            ])
        });
        let table = Table::new(
            rows,
            [
                Constraint::Min(14),
                Constraint::Length(6),
                Constraint::Length(10),
                Constraint::Length(6),
                Constraint::Length(13),
            ],
        )
        .header(Row::new(vec!["SKU", "Size", "Colour", "Stock", "Own price"]).style(theme.header()))
        .row_highlight_style(theme.cursor())
        .block(Block::bordered().title(" Variants ").title_bottom(Line::styled(
            " v add · w edit · X delete · a stock · i image · e edit product · Esc back ",
            theme.dim(),
        )));
        let mut state = TableState::default().with_selected((!p.variants.is_empty()).then_some(self.variant_cursor));
        frame.render_stateful_widget(table, variants_area, &mut state);
    }
}

fn row(p: &types::AdminProduct) -> ListRow {
    ListRow {
        id: p.id.clone(),
        cells: vec![
            p.title.clone(),
            p.status.to_string(),
            money::format(p.sale_price.unwrap_or(p.price), &p.currency),
            p.inventory_count.to_string(),
            p.variants.len().to_string(),
            p.updated_at.format("%Y-%m-%d").to_string(),
        ],
    }
}

fn low_stock_row(v: &types::LowStockVariant) -> ListRow {
    ListRow {
        id: v.variant_id.clone(),
        cells: vec![
            v.product_title.clone(),
            v.sku.clone(),
            v.stock.to_string(),
            v.sold_last30_days.to_string(),
            v.days_of_stock_left
                .map(|d| format!("{d:.0}"))
                .unwrap_or_else(|| "—".into()),
        ],
    }
}

impl Screen for ProductsScreen {
    fn bindings(&self) -> Vec<&'static [Binding]> {
        if self.details.is_some() || self.low_stock.is_some() {
            vec![KEYS, keys::EDITABLE, &keys::LIST[..2]]
        } else {
            vec![KEYS, keys::EDITABLE, keys::LIST]
        }
    }

    fn editing(&self) -> bool {
        self.form.is_some() || self.confirm.is_some() || self.list.filter_input.is_some()
    }

    fn enter(&mut self, argument: Option<&str>, ctx: &mut Ctx) {
        if let Some(argument) = argument {
            self.details = None;
            self.low_stock = None;
            match argument.parse::<types::ProductStatus>() {
                Ok(status) => {
                    self.status = Some(status);
                    self.list.filter.clear();
                }
                Err(_) => {
                    self.status = None;
                    self.list.filter = argument.to_owned();
                }
            }
            self.list.paging.page = 1;
        }
        // The pickers of the product form list these: asked once, again on `r`.
        if self.categories.is_empty() && self.collections.is_empty() {
            self.load_pickers(ctx);
        }
        self.load(ctx);
    }

    fn command(&mut self, command: Command, ctx: &mut Ctx) {
        if let Some(low) = &mut self.low_stock {
            match command {
                Command::Back => self.low_stock = None,
                Command::Refresh => self.load_low_stock(ctx),
                Command::Open => {
                    if let Some(v) = self.low_items.get(low.cursor) {
                        let product_id = v.product_id.clone();
                        self.low_stock = None;
                        self.variant_cursor = 0;
                        self.open_product(product_id, ctx);
                    }
                }
                other => {
                    if low.command(other) == ListOutcome::Reload {
                        self.load_low_stock(ctx);
                    }
                }
            }
            return;
        }
        let variant_id = self
            .details
            .as_ref()
            .and_then(|p| p.variants.get(self.variant_cursor))
            .map(|v| v.id.clone());
        match (command, &self.details) {
            (Command::Refresh, Some(p)) => {
                let id = p.id.clone();
                self.open_product(id, ctx);
            }
            (Command::Refresh, None) => {
                self.load_pickers(ctx);
                self.load(ctx);
            }
            (Command::LowStock, _) => {
                self.details = None;
                self.load_low_stock(ctx);
            }
            (Command::Back, _) => self.details = None,
            (Command::Up, Some(_)) => self.variant_cursor = self.variant_cursor.saturating_sub(1),
            (Command::Down, Some(p)) => {
                self.variant_cursor = (self.variant_cursor + 1).min(p.variants.len().saturating_sub(1))
            }
            (Command::New, _) => self.open_form(Editing::NewProduct),
            (Command::Edit, Some(p)) => {
                let id = p.id.clone();
                self.open_form(Editing::EditProduct(id));
            }
            (Command::Edit, None) => {
                if let Some(id) = self.list.current().map(str::to_owned) {
                    self.open_form(Editing::EditProduct(id));
                }
            }
            (Command::AddVariant, Some(p)) => {
                let id = p.id.clone();
                self.open_form(Editing::NewVariant(id));
            }
            (Command::AdjustStock, Some(p)) => match variant_id {
                Some(variant_id) => {
                    let product_id = p.id.clone();
                    self.open_form(Editing::Stock { product_id, variant_id });
                }
                None => ctx.info("the product has no variant yet: v adds one"),
            },
            (Command::EditVariant, Some(p)) => match variant_id {
                Some(variant_id) => {
                    let product_id = p.id.clone();
                    self.open_form(Editing::EditVariant { product_id, variant_id });
                }
                None => ctx.info("the product has no variant yet: v adds one"),
            },
            (Command::DeleteVariant, Some(p)) => {
                if let Some(v) = p.variants.get(self.variant_cursor) {
                    let question = format!("Delete variant {} ({} in stock)?", v.sku, v.inventory_count);
                    let deletion = Deletion::Variant {
                        product_id: p.id.clone(),
                        variant_id: v.id.clone(),
                    };
                    self.confirm = Some((Confirm::new(question, v.id.clone()), deletion));
                }
            }
            (Command::UploadImage, Some(p)) => {
                let id = p.id.clone();
                self.open_form(Editing::Image(id));
            }
            (
                Command::AddVariant
                | Command::AdjustStock
                | Command::EditVariant
                | Command::DeleteVariant
                | Command::UploadImage,
                None,
            ) => ctx.info("open a product first (Enter)"),
            (Command::Delete, _) => {
                let target = self.details.as_ref().or_else(|| self.items.get(self.list.cursor));
                if let Some(p) = target {
                    let question = format!("Delete \"{}\"? Products with orders are archived instead.", p.title);
                    self.confirm = Some((Confirm::new(question, p.id.clone()), Deletion::Product(p.id.clone())));
                }
            }
            (Command::Open, None) => {
                if let Some(id) = self.list.current().map(str::to_owned) {
                    self.variant_cursor = 0;
                    self.open_product(id, ctx);
                }
            }
            (other, None) => {
                let outcome = self.list.command(other);
                if outcome == ListOutcome::Reload {
                    self.load(ctx);
                }
            }
            _ => {}
        }
    }

    fn input(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        if let Some((confirm, deletion)) = &self.confirm {
            match confirm.handle(&key) {
                Answer::Yes => {
                    let request = match deletion.clone() {
                        Deletion::Product(id) => Request::DeleteProduct(id),
                        Deletion::Variant { product_id, variant_id } => {
                            Request::DeleteVariant { product_id, variant_id }
                        }
                    };
                    ctx.call(Purpose::Delete, request);
                    self.deleting = Some(deletion.clone());
                    self.confirm = None;
                }
                Answer::No => self.confirm = None,
                Answer::Undecided => {}
            }
            return;
        }
        if let Some((_, form)) = &mut self.form {
            match form.handle(&key) {
                FormOutcome::Submit => self.submit(ctx),
                FormOutcome::Cancel if !form.sending => self.form = None,
                _ => {}
            }
            return;
        }
        if self.list.filter_key(&key) == ListOutcome::Reload {
            self.load(ctx);
        }
    }

    fn paste(&mut self, text: &str) {
        if let Some((_, form)) = &mut self.form {
            form.paste(text);
        } else if let Some(input) = &mut self.list.filter_input {
            input.paste(text);
        }
    }

    fn reply(&mut self, ticket: u64, purpose: Purpose, result: Result<Reply, Failure>, ctx: &mut Ctx) {
        match (purpose, result) {
            (Purpose::Load, Ok(Reply::Products(page))) if self.list.loading == Some(ticket) => {
                self.list.loading = None;
                self.items = self.list.fill_with(page.items, page.total, row);
            }
            (Purpose::Load, Err(failure)) => ctx.failed("products", &failure),
            (Purpose::Secondary, Ok(Reply::Categories(c))) => self.categories = c,
            (Purpose::Secondary, Ok(Reply::Collections(c))) => self.collections = c,
            (Purpose::Secondary, Ok(Reply::Inventory(report))) => {
                let list = self
                    .low_stock
                    .get_or_insert_with(|| ListView::new(LOW_STOCK_COLUMNS, &[]));
                list.loading = None;
                self.low_items = list.fill_with(report.items, report.total, low_stock_row);
            }
            (Purpose::Secondary, Err(failure)) => ctx.failed("products", &failure),
            (Purpose::Details, Ok(Reply::Product(p))) => {
                self.variant_cursor = self.variant_cursor.min(p.variants.len().saturating_sub(1));
                self.details = Some(p);
            }
            (Purpose::Details, Err(failure)) => ctx.failed("product", &failure),
            (Purpose::Save | Purpose::Stock, Ok(reply)) => self.saved(reply, ctx),
            (Purpose::Save | Purpose::Stock, Err(failure)) => match &mut self.form {
                Some((_, form)) => form.apply_failure(&failure),
                None => ctx.failed("save", &failure),
            },
            (Purpose::Delete, Ok(_)) => match self.deleting.take() {
                // A variant went: its product stays open.
                Some(Deletion::Variant { product_id, .. }) => {
                    ctx.info("variant deleted");
                    self.open_product(product_id, ctx);
                    self.load(ctx);
                }
                _ => {
                    ctx.info("product deleted (or archived, when orders refer to it)");
                    self.details = None;
                    self.load(ctx);
                }
            },
            (Purpose::Delete, Err(failure)) => ctx.failed("delete", &failure),
            _ => {}
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        match (&self.low_stock, &self.details) {
            (Some(low), _) => low.draw(frame, area, "Low stock (inventory report) — Esc back", theme),
            (None, Some(p)) => self.draw_details(p, frame, area, theme),
            (None, None) => {
                let title = match self.status {
                    Some(s) => format!("Products ({s})"),
                    None => "Products".to_owned(),
                };
                self.list.draw(frame, area, &title, theme);
            }
        }
        if let Some((_, form)) = &self.form {
            form.draw(frame, area, theme);
        }
        if let Some((confirm, _)) = &self.confirm {
            confirm.draw(frame, area, theme);
        }
    }
}
