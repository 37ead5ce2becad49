//! The CMS page as the storefront shows it, as text: HTML read as a reader sees it, and
//! the scrolling preview pane.

use beeget_client::types;
use ratatui::{
    Frame,
    layout::Rect,
    text::Line,
    widgets::{Block, Paragraph, Wrap},
};

use crate::theme::Theme;

pub(super) struct Preview {
    pub(super) page: types::Page,
    pub(super) scroll: u16,
}

impl Preview {
    /// Scrolls one line up or down, no further than the last line.
    pub(super) fn scroll_line(&mut self, down: bool) {
        if down {
            let last = u16::try_from(preview_lines(&self.page, &Theme::new(false)).len()).unwrap_or(u16::MAX);
            self.scroll = (self.scroll + 1).min(last.saturating_sub(1));
        } else {
            self.scroll = self.scroll.saturating_sub(1);
        }
    }

    pub(super) fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let page = &self.page;
        let block = Block::bordered()
            .title(Line::styled(
                format!(" Preview: {} (/{}) ", page.title, page.slug),
                theme.title(),
            ))
            .title_bottom(Line::styled(" ↑/↓ scroll · Esc close ", theme.dim()));
        frame.render_widget(
            Paragraph::new(preview_lines(page, theme))
                .wrap(Wrap { trim: false })
                .scroll((self.scroll, 0))
                .block(block),
            area,
        );
    }
}

/// Text of HTML as a reader sees it: tags dropped, block ends as line breaks, list items
/// with a bullet, the common entities decoded.
fn html_text(html: &str) -> Vec<String> {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&decode(&rest[..open].replace('\n', " ")));
        let Some(close) = rest[open..].find('>') else {
            rest = &rest[open..];
            break;
        };
        let tag = rest[open + 1..open + close].trim().to_ascii_lowercase();
        let ending = tag.starts_with('/');
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        match (name, ending) {
            ("br", _) => out.push('\n'),
            ("li", false) => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str("• ");
            }
            (
                "p" | "div" | "ul" | "ol" | "li" | "blockquote" | "pre" | "table" | "tr" | "h1" | "h2" | "h3" | "h4"
                | "h5" | "h6",
                true,
            ) => out.push('\n'),
            ("td" | "th", true) => out.push_str("  "),
            _ => {}
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(&decode(rest));
    out.lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

fn decode(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// The page as the storefront would show it, as lines of text.
fn preview_lines(page: &types::Page, theme: &Theme) -> Vec<Line<'static>> {
    use types::ContentBlock as B;
    let mut lines = vec![Line::styled(page.title.clone(), theme.title()), Line::raw("")];
    for block in &page.content_blocks {
        match block {
            B::HeadingBlock(h) => {
                let marks = "#".repeat(usize::from(h.data.level));
                lines.push(Line::styled(
                    format!("{marks} {}", h.data.text.as_str()),
                    theme.header(),
                ));
            }
            B::ParagraphBlock(p) => lines.extend(html_text(&p.data.html).into_iter().map(Line::raw)),
            B::ImageBlock(i) => {
                lines.push(Line::raw(format!(
                    "[image: {}] {}",
                    i.data.alt.as_str(),
                    i.data.url.as_str()
                )));
                if let Some(caption) = &i.data.caption {
                    lines.push(Line::styled(caption.to_string(), theme.dim()));
                }
            }
            B::ListBlock(l) => {
                let numbered = l.data.style == types::ListStyle::Numbered;
                for (n, item) in l.data.items.iter().enumerate() {
                    let mark = if numbered {
                        format!("{}.", n + 1)
                    } else {
                        "•".to_owned()
                    };
                    lines.push(Line::raw(format!("  {mark} {}", item.as_str())));
                }
            }
            B::FaqBlock(f) => {
                for entry in &f.data.items {
                    lines.push(Line::styled(format!("Q: {}", entry.question.as_str()), theme.header()));
                    lines.extend(entry.answer.lines().map(|a| Line::raw(format!("   {a}"))));
                }
            }
            B::CallToActionBlock(c) => {
                lines.push(Line::styled(
                    format!("[ {} ] → {}", c.data.label.as_str(), c.data.url.as_str()),
                    theme.focus(),
                ));
            }
        }
        lines.push(Line::raw(""));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_reads_as_text() {
        assert_eq!(
            html_text("<p>We make <em>clothes</em> &amp; bags.</p>\n<p>Two</p>"),
            vec!["We make clothes & bags.", "Two"]
        );
        assert_eq!(
            html_text("<ul>\n<li>a</li>\n<li>b &lt;3</li>\n</ul>"),
            vec!["• a", "• b <3"]
        );
        assert_eq!(html_text("one<br/>two"), vec!["one", "two"]);
    }
}
