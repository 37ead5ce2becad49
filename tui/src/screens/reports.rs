//! Reports: sales over a date range of the store's days — net revenue per day, week or month
//! as a bar chart, the range's totals, and the best sellers. `p` picks the range and the
//! grouping, `x` writes the report as CSV (one row per bucket) to a file, `r` loads it again.
//!
//! The range defaults to the 30 days ending today; `:reports 2026-11-01 2026-11-30 week`
//! opens a range (start, end, grouping; each part optional).

use beeget_client::types;
use chrono::{Days, NaiveDate};
use crossterm::event::KeyEvent;
use ratatui::{
    Frame,
    layout::{Alignment, Constraint, Layout, Rect},
    text::Line,
    widgets::{Bar, BarChart, BarGroup, Block, Cell, Paragraph, Row, Table, Wrap},
};

use crate::action::{Command, Purpose};
use crate::api::{Failure, Reply, Request};
use crate::context::Ctx;
use crate::keys::{Binding, Key};
use crate::money;
use crate::screens::Screen;
use crate::theme::Theme;
use crate::widgets::form::{Field, FieldKind, Form, FormOutcome};

const KEYS: &[Binding] = &[
    Binding {
        keys: &[Key::Char('p')],
        command: Command::PickRange,
        help: "choose the dates and the grouping",
    },
    Binding {
        keys: &[Key::Char('x')],
        command: Command::Export,
        help: "export the report as CSV to a file",
    },
];

const GROUPINGS: [&str; 3] = ["day", "week", "month"];

/// The range the report covers: inclusive dates in the store's time zone, and the buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    start: NaiveDate,
    end: NaiveDate,
    group: types::SalesGrouping,
}

impl Range {
    /// The 30 days ending `today`, by day.
    fn last_30_days(today: NaiveDate) -> Self {
        Self {
            start: today.checked_sub_days(Days::new(29)).unwrap_or(today),
            end: today,
            group: types::SalesGrouping::Day,
        }
    }

    fn report_request(&self) -> Request {
        Request::SalesReport {
            start: self.start.to_string(),
            end: self.end.to_string(),
            group_by: self.group,
        }
    }

    fn csv_request(&self) -> Request {
        Request::SalesCsv {
            start: self.start.to_string(),
            end: self.end.to_string(),
            group_by: self.group,
        }
    }

    /// Reads `start end [grouping]` as typed after `:reports`; parts left out stay as they
    /// are, and one date alone runs to `today`.
    fn with_words(mut self, words: &str, today: NaiveDate) -> Result<Self, String> {
        let mut dates = Vec::new();
        for word in words.split_whitespace() {
            if let Ok(group) = word.parse::<types::SalesGrouping>() {
                self.group = group;
            } else {
                dates.push(
                    NaiveDate::parse_from_str(word, "%Y-%m-%d")
                        .map_err(|_| format!("\"{word}\" is neither a date like 2026-11-30 nor day, week or month"))?,
                );
            }
        }
        match dates[..] {
            [] => {}
            [start] => (self.start, self.end) = (start, today),
            [start, end] => (self.start, self.end) = (start, end),
            _ => return Err("give a start date, an end date and a grouping, no more".into()),
        }
        Ok(self)
    }
}

/// The open dialog.
enum Dialog {
    /// The range picker; `asked` is the range sent, while its report is awaited.
    Range { form: Form, asked: Option<Range> },
    /// The CSV file's path; `asked` is the ticket of the CSV call in flight.
    Export { form: Form, asked: Option<u64> },
}

pub struct ReportsScreen {
    /// Today, where the default range ends (the console's local date).
    today: NaiveDate,
    range: Range,
    report: Option<types::SalesReport>,
    /// Why the last load failed, shown while there is no report.
    error: Option<String>,
    loading: Option<u64>,
    dialog: Option<Dialog>,
    /// The CSV being written: its path and the range it covers.
    writing: Option<(String, Range)>,
}

impl Default for ReportsScreen {
    fn default() -> Self {
        let today = chrono::Local::now().date_naive();
        Self {
            today,
            range: Range::last_30_days(today),
            report: None,
            error: None,
            loading: None,
            dialog: None,
            writing: None,
        }
    }
}

impl ReportsScreen {
    fn load(&mut self, ctx: &mut Ctx) {
        self.loading = Some(ctx.call(Purpose::Load, self.range.report_request()));
    }

    fn range_form(&self) -> Form {
        let r = self.range;
        Form::new(
            "Sales report: dates and grouping",
            vec![
                Field::new("start", "From", FieldKind::Date)
                    .required()
                    .value(&r.start.to_string()),
                Field::new("end", "To", FieldKind::Date)
                    .required()
                    .value(&r.end.to_string()),
                Field::new(
                    "groupBy",
                    "Group by",
                    FieldKind::Choice {
                        options: GROUPINGS.map(String::from).to_vec(),
                    },
                )
                .pick(&[&r.group.to_string()]),
            ],
        )
    }

    fn export_form(&self) -> Form {
        let r = self.range;
        Form::new(
            format!("Export CSV: {} to {} by {}", r.start, r.end, r.group),
            vec![
                Field::new("path", "File", FieldKind::Text)
                    .required()
                    .value(&format!("sales-{}-{}.csv", r.start, r.end)),
            ],
        )
    }

    fn submit(&mut self, ctx: &mut Ctx) {
        match &mut self.dialog {
            Some(Dialog::Range { form, asked }) => {
                let date = |key: &str| {
                    form.text(key)
                        .and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok())
                };
                let (Some(start), Some(end)) = (date("start"), date("end")) else {
                    return;
                };
                let group = form
                    .choice("groupBy")
                    .and_then(|g| g.parse().ok())
                    .unwrap_or(types::SalesGrouping::Day);
                let range = Range { start, end, group };
                form.sending = true;
                *asked = Some(range);
                self.loading = Some(ctx.call(Purpose::Load, range.report_request()));
            }
            Some(Dialog::Export { form, asked }) => {
                form.sending = true;
                *asked = Some(ctx.call(Purpose::Export, self.range.csv_request()));
            }
            None => {}
        }
    }

    fn loaded(&mut self, result: Result<Reply, Failure>, ctx: &mut Ctx) {
        let asked = match &self.dialog {
            Some(Dialog::Range { asked, .. }) => *asked,
            _ => None,
        };
        match result {
            Ok(Reply::Sales(report)) => {
                let mut range = asked.unwrap_or(self.range);
                // The API's reading of the range is the one shown.
                if let (Ok(start), Ok(end)) = (report.start.parse(), report.end.parse()) {
                    (range.start, range.end) = (start, end);
                }
                range.group = report.group_by;
                self.range = range;
                self.report = Some(report);
                self.error = None;
                if asked.is_some() {
                    self.dialog = None;
                }
            }
            Ok(_) => {}
            Err(failure) => match &mut self.dialog {
                Some(Dialog::Range { form, asked: Some(_) }) => form.apply_failure(&failure),
                _ => {
                    self.error = Some(failure.to_string());
                    ctx.failed("sales report", &failure);
                }
            },
        }
    }

    fn exported(&mut self, ticket: u64, result: Result<Reply, Failure>, ctx: &mut Ctx) {
        let Some(Dialog::Export { form, asked }) = &mut self.dialog else {
            return;
        };
        if *asked != Some(ticket) {
            return;
        }
        *asked = None;
        match result {
            Ok(Reply::Csv(text)) => {
                let path = form.text("path").unwrap_or_default();
                self.writing = Some((path.clone(), self.range));
                self.dialog = None;
                ctx.write_file(path, text);
            }
            Ok(_) => form.sending = false,
            Err(failure) => form.apply_failure(&failure),
        }
    }

    fn draw_report(&self, report: &types::SalesReport, frame: &mut Frame, area: Rect, theme: &Theme) {
        let bottom_height = if area.height >= 26 { 12 } else { 10 };
        let [chart_area, bottom] =
            Layout::vertical([Constraint::Min(6), Constraint::Length(bottom_height)]).areas(area);
        self.draw_chart(report, frame, chart_area, theme);
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

    fn draw_chart(&self, report: &types::SalesReport, frame: &mut Frame, area: Rect, theme: &Theme) {
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

impl Screen for ReportsScreen {
    fn bindings(&self) -> Vec<&'static [Binding]> {
        vec![KEYS]
    }

    fn editing(&self) -> bool {
        self.dialog.is_some()
    }

    fn enter(&mut self, argument: Option<&str>, ctx: &mut Ctx) {
        if let Some(words) = argument {
            match self.range.with_words(words, self.today) {
                Ok(range) => self.range = range,
                Err(message) => ctx.error(message),
            }
        }
        self.load(ctx);
    }

    fn command(&mut self, command: Command, ctx: &mut Ctx) {
        match command {
            Command::Refresh => self.load(ctx),
            Command::PickRange => {
                self.dialog = Some(Dialog::Range {
                    form: self.range_form(),
                    asked: None,
                })
            }
            Command::Export => {
                self.dialog = Some(Dialog::Export {
                    form: self.export_form(),
                    asked: None,
                })
            }
            _ => {}
        }
    }

    fn input(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        let (Some(Dialog::Range { form, .. }) | Some(Dialog::Export { form, .. })) = &mut self.dialog else {
            return;
        };
        match form.handle(&key) {
            FormOutcome::Submit => self.submit(ctx),
            FormOutcome::Cancel if !form.sending => self.dialog = None,
            _ => {}
        }
    }

    fn paste(&mut self, text: &str) {
        if let Some(Dialog::Range { form, .. } | Dialog::Export { form, .. }) = &mut self.dialog {
            form.paste(text);
        }
    }

    fn reply(&mut self, ticket: u64, purpose: Purpose, result: Result<Reply, Failure>, ctx: &mut Ctx) {
        match purpose {
            Purpose::Load if self.loading == Some(ticket) => {
                self.loading = None;
                self.loaded(result, ctx);
            }
            Purpose::Export => self.exported(ticket, result, ctx),
            _ => {}
        }
    }

    fn saved(&mut self, path: &str, result: &Result<(), String>, ctx: &mut Ctx) {
        let Some((writing, range)) = self.writing.take() else {
            return;
        };
        if writing != path {
            self.writing = Some((writing, range));
            return;
        }
        match result {
            Ok(()) => ctx.info(format!(
                "saved {path}: sales {} to {} by {}",
                range.start, range.end, range.group
            )),
            Err(e) => {
                // Back to the path, to choose another.
                let mut form = self.export_form();
                form.fields[0].input.set(path);
                form.fields[0].error = Some(e.clone());
                form.message = Some(format!("could not write {path}"));
                self.dialog = Some(Dialog::Export { form, asked: None });
            }
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        match &self.report {
            Some(report) => self.draw_report(report, frame, area, theme),
            None => {
                let text = match (&self.error, self.loading) {
                    (_, Some(_)) => "loading…".to_owned(),
                    (Some(error), None) => format!("could not load the report: {error}"),
                    (None, None) => "no report: r to load, p to choose the dates".to_owned(),
                };
                let title = format!(
                    " Sales {} to {} by {} ",
                    self.range.start, self.range.end, self.range.group
                );
                frame.render_widget(
                    Paragraph::new(text)
                        .wrap(Wrap { trim: true })
                        .block(Block::bordered().title(Line::styled(title, theme.title()))),
                    area,
                );
            }
        }
        match &self.dialog {
            Some(Dialog::Range { form, .. } | Dialog::Export { form, .. }) => form.draw(frame, area, theme),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    #[test]
    fn the_default_range_is_the_30_days_ending_today() {
        let range = Range::last_30_days(day("2026-11-30"));
        assert_eq!((range.start, range.end), (day("2026-11-01"), day("2026-11-30")));
        assert_eq!(range.group, types::SalesGrouping::Day);
    }

    #[test]
    fn the_argument_gives_start_end_and_grouping() {
        let base = Range::last_30_days(day("2026-11-30"));
        let today = day("2026-11-30");
        let r = base.with_words("2026-10-01 2026-10-31 week", today).expect("valid");
        assert_eq!(
            (r.start, r.end, r.group),
            (day("2026-10-01"), day("2026-10-31"), types::SalesGrouping::Week)
        );
        let r = base.with_words("month", today).expect("valid");
        assert_eq!(
            (r.start, r.end, r.group),
            (base.start, base.end, types::SalesGrouping::Month)
        );
        let r = r.with_words("2026-11-15", today).expect("valid");
        assert_eq!(
            (r.start, r.end, r.group),
            (day("2026-11-15"), today, types::SalesGrouping::Month)
        );
        assert!(base.with_words("yesterday", today).is_err());
        assert!(base.with_words("2026-11-01 2026-11-02 2026-11-03", today).is_err());
    }

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
