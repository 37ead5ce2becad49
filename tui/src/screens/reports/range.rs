//! The range a sales report covers: the default 30 days, the words typed after `:reports`,
//! and the report's and the CSV's requests for it.

use beeget_client::types;
use chrono::{Days, NaiveDate};

use crate::api::Request;

/// The range the report covers: inclusive dates in the store's time zone, and the buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Range {
    pub(super) start: NaiveDate,
    pub(super) end: NaiveDate,
    pub(super) group: types::SalesGrouping,
}

impl Range {
    /// The 30 days ending `today`, by day.
    pub(super) fn last_30_days(today: NaiveDate) -> Self {
        Self {
            start: today.checked_sub_days(Days::new(29)).unwrap_or(today),
            end: today,
            group: types::SalesGrouping::Day,
        }
    }

    pub(super) fn report_request(&self) -> Request {
        Request::SalesReport {
            start: self.start.to_string(),
            end: self.end.to_string(),
            group_by: self.group,
        }
    }

    pub(super) fn csv_request(&self) -> Request {
        Request::SalesCsv {
            start: self.start.to_string(),
            end: self.end.to_string(),
            group_by: self.group,
        }
    }

    /// Reads `start end [grouping]` as typed after `:reports`; parts left out stay as they
    /// are, and one date alone runs to `today`.
    pub(super) fn with_words(mut self, words: &str, today: NaiveDate) -> Result<Self, String> {
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
}
