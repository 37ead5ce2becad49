//! Dashboard: today and the last 7 days (orders, net revenue, units, average order), orders
//! by status, low stock and failed jobs, from `GET /admin/dashboard`.

use beeget_client::types;
use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    text::Line,
    widgets::{Block, Borders, Cell, Paragraph, Row, Table},
};

use crate::action::{Command, Purpose};
use crate::api::{Failure, Reply, Request};
use crate::context::Ctx;
use crate::keys::Binding;
use crate::money;
use crate::screens::Screen;
use crate::theme::Theme;

#[derive(Default)]
pub struct DashboardScreen {
    data: Option<types::Dashboard>,
    loading: Option<u64>,
}

impl DashboardScreen {
    fn load(&mut self, ctx: &mut Ctx) {
        self.loading = Some(ctx.call(Purpose::Load, Request::Dashboard));
    }
}

impl Screen for DashboardScreen {
    fn bindings(&self) -> Vec<&'static [Binding]> {
        Vec::new()
    }

    fn enter(&mut self, _argument: Option<&str>, ctx: &mut Ctx) {
        self.load(ctx);
    }

    fn command(&mut self, command: Command, ctx: &mut Ctx) {
        if command == Command::Refresh {
            self.load(ctx);
        }
    }

    fn reply(&mut self, ticket: u64, _purpose: Purpose, result: Result<Reply, Failure>, ctx: &mut Ctx) {
        if self.loading != Some(ticket) {
            return;
        }
        self.loading = None;
        match result {
            Ok(Reply::Dashboard(data)) => self.data = Some(data),
            Ok(_) => {}
            Err(failure) => ctx.failed("dashboard", &failure),
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let Some(d) = &self.data else {
            let text = if self.loading.is_some() {
                "loading…"
            } else {
                "no data: r to load"
            };
            frame.render_widget(Paragraph::new(text).block(Block::bordered().title(" Dashboard ")), area);
            return;
        };
        let [periods, rest] = Layout::vertical([Constraint::Length(6), Constraint::Min(3)]).areas(area);
        let [statuses, health] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(rest);
        let period_row = |name: &str, p: &types::DashboardPeriod| {
            Row::new(vec![
                Cell::from(name.to_owned()),
                Cell::from(p.orders.to_string()),
                Cell::from(money::format(p.net_revenue, &d.currency)),
                Cell::from(p.units.to_string()),
                Cell::from(money::format(p.average_order_value, &d.currency)),
            ])
        };
        let rows = vec![period_row("Today", &d.today), period_row("Last 7 days", &d.last7_days)];
        let title = format!(" Dashboard — {} ({}) ", d.date, d.timezone);
        let table = Table::new(
            rows,
            [
                Constraint::Length(12),
                Constraint::Length(8),
                Constraint::Length(16),
                Constraint::Length(7),
                Constraint::Length(16),
            ],
        )
        .header(Row::new(vec!["", "Orders", "Net revenue", "Units", "Avg order"]).style(theme.header()))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(Line::styled(title, theme.title())),
        );
        frame.render_widget(table, periods);

        let status_rows = d
            .orders_by_status
            .iter()
            .map(|s| Row::new(vec![s.status.to_string(), s.count.to_string()]));
        let status_table = Table::new(status_rows, [Constraint::Length(16), Constraint::Length(8)])
            .header(Row::new(vec!["Status", "Orders"]).style(theme.header()))
            .block(Block::bordered().title(Line::styled(" Orders by status ", theme.title())));
        frame.render_widget(status_table, statuses);

        let warn = |n: u64| if n > 0 { theme.error() } else { theme.ok() };
        let lines = vec![
            Line::styled(
                format!("Low-stock variants: {}", d.low_stock_variants),
                warn(d.low_stock_variants),
            ),
            Line::styled(
                format!("Failed jobs (24 h): {}", d.failed_jobs_last24h),
                warn(d.failed_jobs_last24h),
            ),
            Line::raw(""),
            Line::styled(":products  :orders  :reports  :jobs", theme.dim()),
        ];
        frame.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(Line::styled(" Attention ", theme.title()))),
            health,
        );
    }
}
