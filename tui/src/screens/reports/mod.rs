//! Reports: sales over a date range of the store's days — net revenue per day, week or month
//! as a bar chart, the range's totals, and the best sellers. `p` picks the range and the
//! grouping, `x` writes the report as CSV (one row per bucket) to a file, `r` loads it again.
//!
//! The range defaults to the 30 days ending today; `:reports 2026-11-01 2026-11-30 week`
//! opens a range (start, end, grouping; each part optional).

mod draw;
mod range;

use beeget_client::types;
use chrono::NaiveDate;
use crossterm::event::KeyEvent;
use ratatui::{
    Frame,
    layout::Rect,
    text::Line,
    widgets::{Block, Paragraph, Wrap},
};

use crate::action::{Command, Purpose};
use crate::api::{Failure, Reply};
use crate::context::Ctx;
use crate::keys::{Binding, Key};
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

use range::Range;

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
            Some(report) => draw::draw_report(report, frame, area, theme),
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
