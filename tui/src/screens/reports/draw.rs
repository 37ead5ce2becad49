//! A sales report drawn: net revenue per bucket as a bar chart fitted to the width, the
//! range's totals, and the best sellers.

use beeget_client::types;
use ratatui::{
    Frame,
    layout::{Alignment, Constraint, Layout, Rect},
    text::Line,
    widgets::{Bar, BarChart, BarGroup, Block, Cell, Paragraph, Row, Table},
};

use crate::money;
use crate::theme::Theme;

pub(super) fn draw_report(report: &types::SalesReport, frame: &mut Frame, area: Rect, theme: &Theme) {
    let bottom_height = if area.height >= 26 { 12 } else { 10 };
    let [chart_area, bottom] = Layout::vertical([Constraint::Min(6), Constraint::Length(bottom_height)]).areas(area);
    draw_chart(report, frame, chart_area, theme);
    let side_by_side = bottom.width >= 70;
    let (kpi_area, top_area) = if side_by_side {
        let [k, t] = Layout::horizontal([Constraint::Length(34), Constraint::Min(20)]).areas(bottom);
        (k, t)
    } else {
        let [k, t] = Layout::vertical([Constraint::Length(10), Constraint::Min(3)]).areas(bottom);
        (k, t)
    };
    draw_kpis(report, frame, kpi_area, theme);
    draw_top_products(report, frame, top_area, theme);
}

fn draw_chart(report: &types::SalesReport, frame: &mut Frame, area: Rect, theme: &Theme) {
    let title = format!(
        " Net revenue by {} ({}), {} to {} ",
        report.group_by, report.currency, report.start, report.end
    );
    let mut block = Block::bordered()
        .title(Line::styled(title, theme.title()))
        .title_bottom(Line::styled(" p range · x export CSV · r refresh ", theme.dim()));
    let inner_width = area.width.saturating_sub(2);
    let layout = BarLayout::fit(report.series.len(), inner_width);
    if layout.shown < report.series.len() {
        block = block.title_bottom(
            Line::styled(
                format!(" last {} of {} buckets ", layout.shown, report.series.len()),
                theme.dim(),
            )
            .alignment(Alignment::Right),
        );
    }
    if report.series.is_empty() {
        frame.render_widget(Paragraph::new("no buckets in this range").block(block), area);
        return;
    }
    let shown = &report.series[report.series.len() - layout.shown..];
    let bars: Vec<Bar> = shown
        .iter()
        .map(|bucket| {
            let major = bucket.net_revenue / 100;
            let mut bar = Bar::default()
                .value(u64::try_from(major).unwrap_or(0))
                .text_value(major.to_string());
            if let Some(label) = layout.label(&bucket.start) {
                bar = bar.label(Line::from(label));
            }
            bar
        })
        .collect();
    let chart = BarChart::default()
        .block(block)
        .data(BarGroup::default().bars(&bars))
        .bar_width(layout.width)
        .bar_gap(layout.gap)
        .bar_style(theme.bar())
        .value_style(theme.cursor())
        .label_style(theme.dim());
    frame.render_widget(chart, area);
}

/// How the buckets share the chart's width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BarLayout {
    width: u16,
    gap: u16,
    /// How many buckets fit (the last ones are shown).
    shown: usize,
}

impl BarLayout {
    /// Bars as wide as the space allows (up to 9 columns), one column apart; one column
    /// each and no gap when many; the newest that fit when even that is too wide.
    fn fit(buckets: usize, width: u16) -> Self {
        let n = u16::try_from(buckets).unwrap_or(u16::MAX).max(1);
        let width = width.max(1);
        if n.saturating_mul(2).saturating_sub(1) <= width {
            let bar = ((width + 1) / n).saturating_sub(1).clamp(1, 9);
            Self {
                width: bar,
                gap: 1,
                shown: buckets,
            }
        } else {
            Self {
                width: 1,
                gap: 0,
                shown: buckets.min(usize::from(width)),
            }
        }
    }

    /// The label under a bar: the bucket's first day as `MM-DD`, or its day of the month
    /// when the bar is narrower, or none.
    fn label(&self, start: &str) -> Option<String> {
        let month_day = start.get(5..)?;
        if self.width >= 5 {
            Some(month_day.to_owned())
        } else if self.width >= 2 {
            month_day.get(3..).map(str::to_owned)
        } else {
            None
        }
    }
}

fn draw_kpis(report: &types::SalesReport, frame: &mut Frame, area: Rect, theme: &Theme) {
    let t = &report.totals;
    let m = |v: i64| money::format(v, &report.currency);
    let rows = [
        ("Orders", t.orders.to_string()),
        ("Units", t.units.to_string()),
        ("Gross revenue", m(t.gross_revenue)),
        ("Discounts", m(t.discounts)),
        ("Refunds", m(t.refunds)),
        ("Shipping", m(t.shipping)),
        ("Net revenue", m(t.net_revenue)),
        ("Avg order value", m(t.average_order_value)),
    ]
    .into_iter()
    .map(|(name, value)| {
        Row::new(vec![
            Cell::from(Line::styled(name, theme.header())),
            Cell::from(Line::from(value).alignment(Alignment::Right)),
        ])
    });
    let table = Table::new(rows, [Constraint::Length(15), Constraint::Min(12)])
        .column_spacing(1)
        .block(Block::bordered().title(Line::styled(format!(" Totals ({}) ", report.timezone), theme.title())));
    frame.render_widget(table, area);
}

fn draw_top_products(report: &types::SalesReport, frame: &mut Frame, area: Rect, theme: &Theme) {
    let block = Block::bordered().title(Line::styled(" Top products ", theme.title()));
    if report.top_products.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("nothing sold in this range", theme.dim())).block(block),
            area,
        );
        return;
    }
    let rows = report.top_products.iter().map(|p| {
        Row::new(vec![
            Cell::from(p.title.clone()),
            Cell::from(Line::from(p.units.to_string()).alignment(Alignment::Right)),
            Cell::from(Line::from(money::format(p.revenue, &report.currency)).alignment(Alignment::Right)),
        ])
    });
    let header = Row::new(vec![
        Cell::from("Product"),
        Cell::from(Line::from("Units").alignment(Alignment::Right)),
        Cell::from(Line::from("Revenue").alignment(Alignment::Right)),
    ])
    .style(theme.header());
    let table = Table::new(
        rows,
        [Constraint::Min(10), Constraint::Length(5), Constraint::Length(14)],
    )
    .header(header)
    .column_spacing(1)
    .block(block);
    frame.render_widget(table, area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_share_the_width_and_labels_shrink_with_them() {
        let three = BarLayout::fit(3, 76);
        assert_eq!((three.width, three.gap, three.shown), (9, 1, 3));
        assert_eq!(three.label("2026-11-28").as_deref(), Some("11-28"));
        let thirty = BarLayout::fit(30, 76);
        assert_eq!((thirty.width, thirty.gap, thirty.shown), (1, 1, 30));
        assert_eq!(thirty.label("2026-11-28"), None);
        let twelve = BarLayout::fit(12, 40);
        assert_eq!((twelve.width, twelve.gap), (2, 1));
        assert_eq!(twelve.label("2026-11-28").as_deref(), Some("28"));
        let year = BarLayout::fit(366, 76);
        assert_eq!((year.width, year.gap, year.shown), (1, 0, 76));
        let some = BarLayout::fit(50, 76);
        assert_eq!((some.width, some.gap, some.shown), (1, 0, 50));
    }
}
