//! CMS pages and their typed content blocks: what each block holds, the rules it is checked
//! against, and paragraphs' Markdown rendered to sanitised HTML.
//!
//! A page is a title and an ordered list of blocks; a block is a `type` and its `data`:
//!
//! | type | data |
//! |---|---|
//! | `heading` | `level` (2–4: the page title is the level 1), `text` |
//! | `paragraph` | `markdown` (CommonMark); `html` is rendered from it when the page is saved |
//! | `image` | `url`, `alt`, optional `caption` |
//! | `list` | `style` (`bulleted` or `numbered`), `items` |
//! | `faq` | `items`, each a `question` and its `answer` |
//! | `callToAction` | `label`, `url` |
//!
//! Paragraph HTML goes through ammonia's allow-list (no scripts, no event handlers, no
//! `javascript:` links; links get `rel="noopener noreferrer"`), so a storefront may insert it
//! as it is. Links (`url`) are `https://`/`http://` addresses or paths on the site (`/sale`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{InvalidField, text::TextRule};

/// Blocks per page.
pub const MAX_BLOCKS: usize = 200;
/// Items per list or FAQ.
pub const MAX_ITEMS: usize = 50;
pub const TITLE: TextRule = TextRule::required(200);
pub const HEADING_TEXT: TextRule = TextRule::required(200);
pub const MARKDOWN: TextRule = TextRule::required(20_000);
pub const ALT: TextRule = TextRule::required(300);
pub const CAPTION: TextRule = TextRule::optional(300);
pub const LIST_ITEM: TextRule = TextRule::required(500);
pub const QUESTION: TextRule = TextRule::required(300);
pub const ANSWER: TextRule = TextRule::required(5_000);
pub const LABEL: TextRule = TextRule::required(60);
pub const URL: TextRule = TextRule::required(2_048);
/// Heading levels a block may take.
pub const HEADING_LEVELS: std::ops::RangeInclusive<u8> = 2..=4;
/// What a link looks like: an http(s) address, or a path on the site (not `//host`), with no
/// control character or white space anywhere (spelled out, so that every regex dialect reading
/// the spec agrees: see `text::WHITESPACE`).
pub const LINK_PATTERN: &str = concat!(
    r"^(https?://[^\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+",
    r"|/([^/\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
    r"[^\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*)?)$"
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ListStyle {
    Bulleted,
    Numbered,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaqEntry {
    pub question: String,
    pub answer: String,
}

/// One block, checked. A paragraph keeps its Markdown and the HTML rendered from it. Its
/// JSON (`{"type": "heading", "data": {...}}`) is how pages store it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    content = "data",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Block {
    Heading {
        level: u8,
        text: String,
    },
    Paragraph {
        markdown: String,
        html: String,
    },
    Image {
        url: String,
        alt: String,
        caption: Option<String>,
    },
    List {
        style: ListStyle,
        items: Vec<String>,
    },
    Faq {
        items: Vec<FaqEntry>,
    },
    CallToAction {
        label: String,
        url: String,
    },
}

/// A block as written by staff (or in the seed files), before its checks; a paragraph has no
/// HTML yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    content = "data",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum DraftBlock {
    Heading {
        level: u8,
        text: String,
    },
    Paragraph {
        markdown: String,
    },
    Image {
        url: String,
        alt: String,
        caption: Option<String>,
    },
    List {
        style: ListStyle,
        items: Vec<String>,
    },
    Faq {
        items: Vec<FaqEntry>,
    },
    CallToAction {
        label: String,
        url: String,
    },
}

/// A stored page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmsPage {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub blocks: Vec<Block>,
    /// Drafts are seen by staff only.
    pub published: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A page to store, its blocks checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCmsPage {
    pub slug: String,
    pub title: String,
    pub blocks: Vec<Block>,
    pub published: bool,
}

/// A staff change to a page, checked; `None` keeps the field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CmsPagePatch {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub blocks: Option<Vec<Block>>,
    pub published: Option<bool>,
}

impl CmsPagePatch {
    /// The page with this change applied.
    pub fn apply(&self, page: &CmsPage) -> NewCmsPage {
        NewCmsPage {
            slug: self.slug.clone().unwrap_or_else(|| page.slug.clone()),
            title: self.title.clone().unwrap_or_else(|| page.title.clone()),
            blocks: self.blocks.clone().unwrap_or_else(|| page.blocks.clone()),
            published: self.published.unwrap_or(page.published),
        }
    }
}

impl CmsPage {
    pub fn as_new(&self) -> NewCmsPage {
        CmsPagePatch::default().apply(self)
    }
}

/// What the audit log keeps of a page: its fields, and its blocks as a count and a digest (a
/// changed digest says the content changed without copying it into the log).
pub fn snapshot(page: &NewCmsPage) -> serde_json::Value {
    use sha2::{Digest, Sha256};
    let blocks = serde_json::to_vec(&page.blocks).unwrap_or_default();
    let digest = hex::encode(&Sha256::digest(&blocks)[..8]);
    serde_json::json!({
        "slug": page.slug,
        "title": page.title,
        "published": page.published,
        "contentBlocks": format!("{} blocks, sha256 {digest}", page.blocks.len()),
    })
}

/// Whether `url` is a link blocks may hold ([`LINK_PATTERN`]).
pub fn is_link(url: &str) -> bool {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    if let Some(rest) = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) {
        return !rest.is_empty();
    }
    url == "/" || (url.starts_with('/') && !url.starts_with("//"))
}

fn link(field: &str, raw: &str, errors: &mut Vec<InvalidField>) -> String {
    let url = URL.check(field, raw, errors);
    if !url.is_empty() && !is_link(&url) {
        errors.push(InvalidField::new(
            field,
            "must be an http(s) address or a path on the site starting with /",
        ));
    }
    url
}

/// Checks `drafts` (the request's `contentBlocks`) and renders paragraphs. Failures name the
/// field as the request does: `contentBlocks[3].data.url`.
pub fn check_blocks(drafts: Vec<DraftBlock>) -> Result<Vec<Block>, Vec<InvalidField>> {
    let mut errors = Vec::new();
    if drafts.len() > MAX_BLOCKS {
        errors.push(InvalidField::new(
            "contentBlocks",
            format!("must hold at most {MAX_BLOCKS} blocks"),
        ));
    }
    let blocks: Vec<Block> = drafts
        .into_iter()
        .enumerate()
        .map(|(i, draft)| {
            let data = format!("contentBlocks[{i}].data");
            let field = |name: &str| format!("{data}.{name}");
            let items_bound = |count: usize, errors: &mut Vec<InvalidField>| {
                if count == 0 || count > MAX_ITEMS {
                    errors.push(InvalidField::new(
                        field("items"),
                        format!("must hold 1 to {MAX_ITEMS} items"),
                    ));
                }
            };
            match draft {
                DraftBlock::Heading { level, text } => {
                    if !HEADING_LEVELS.contains(&level) {
                        errors.push(InvalidField::new(
                            field("level"),
                            format!("must be {} to {}", HEADING_LEVELS.start(), HEADING_LEVELS.end()),
                        ));
                    }
                    Block::Heading {
                        level,
                        text: HEADING_TEXT.check(&field("text"), &text, &mut errors),
                    }
                }
                DraftBlock::Paragraph { markdown } => {
                    let markdown = MARKDOWN.check(&field("markdown"), &markdown, &mut errors);
                    Block::Paragraph {
                        html: render_markdown(&markdown),
                        markdown,
                    }
                }
                DraftBlock::Image { url, alt, caption } => Block::Image {
                    url: link(&field("url"), &url, &mut errors),
                    alt: ALT.check(&field("alt"), &alt, &mut errors),
                    caption: CAPTION.check_optional(&field("caption"), caption.as_deref(), &mut errors),
                },
                DraftBlock::List { style, items } => {
                    items_bound(items.len(), &mut errors);
                    let items = items
                        .iter()
                        .enumerate()
                        .map(|(k, item)| LIST_ITEM.check(&format!("{data}.items[{k}]"), item, &mut errors))
                        .collect();
                    Block::List { style, items }
                }
                DraftBlock::Faq { items } => {
                    items_bound(items.len(), &mut errors);
                    let items = items
                        .iter()
                        .enumerate()
                        .map(|(k, entry)| FaqEntry {
                            question: QUESTION.check(
                                &format!("{data}.items[{k}].question"),
                                &entry.question,
                                &mut errors,
                            ),
                            answer: ANSWER.check(&format!("{data}.items[{k}].answer"), &entry.answer, &mut errors),
                        })
                        .collect();
                    Block::Faq { items }
                }
                DraftBlock::CallToAction { label, url } => Block::CallToAction {
                    label: LABEL.check(&field("label"), &label, &mut errors),
                    url: link(&field("url"), &url, &mut errors),
                },
            }
        })
        .collect();
    if errors.is_empty() { Ok(blocks) } else { Err(errors) }
}

/// CommonMark (with tables and strikethrough) to HTML, then through ammonia's allow-list.
pub fn render_markdown(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .clean(&raw)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_and_sanitised() {
        let html = render_markdown(
            "Our **linen** [edit](/collections/linen).\n\n<script>alert(1)</script>\n\n\
             [bad](javascript:alert(1)) <img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<strong>linen</strong>"), "{html}");
        assert!(
            html.contains(r#"<a href="/collections/linen" rel="noopener noreferrer">edit</a>"#),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
    }

    #[test]
    fn links_are_http_addresses_or_site_paths() {
        for good in [
            "https://beeget.example/sale",
            "http://x.y",
            "/",
            "/collections/linen?x=1",
        ] {
            assert!(is_link(good), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "//evil.example",
            "sale",
            "https://",
            "/a b",
            "data:text/html,x",
        ] {
            assert!(!is_link(bad), "{bad}");
        }
        let pattern = regex::Regex::new(LINK_PATTERN).unwrap();
        for url in [
            "https://beeget.example/sale",
            "/",
            "/x",
            "//evil.example",
            "sale",
            "https://",
            "/a b",
            "/a\u{1c}b",
            "https://a\u{85}b",
            "/a\u{3000}",
            "/caf\u{e9}",
        ] {
            assert_eq!(pattern.is_match(url), is_link(url), "{url}");
        }
    }

    #[test]
    fn failures_name_the_block_and_field() {
        let errors = check_blocks(vec![
            DraftBlock::Heading {
                level: 2,
                text: "Care".into(),
            },
            DraftBlock::Heading {
                level: 1,
                text: " ".into(),
            },
            DraftBlock::List {
                style: ListStyle::Bulleted,
                items: vec!["ok".into(), "".into()],
            },
            DraftBlock::CallToAction {
                label: "Shop".into(),
                url: "javascript:alert(1)".into(),
            },
            DraftBlock::Faq { items: vec![] },
        ])
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "contentBlocks[1].data.level",
                "contentBlocks[1].data.text",
                "contentBlocks[2].data.items[1]",
                "contentBlocks[3].data.url",
                "contentBlocks[4].data.items",
            ]
        );
        let blocks = check_blocks(vec![DraftBlock::Paragraph {
            markdown: " *Hi* ".into(),
        }])
        .unwrap();
        assert_eq!(
            blocks,
            [Block::Paragraph {
                markdown: "*Hi*".into(),
                html: "<p><em>Hi</em></p>\n".into()
            }]
        );
    }
}
