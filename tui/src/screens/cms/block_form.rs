//! The form of each kind of block: built filled in from the block, read back and checked
//! as the API's schema does, and the API's field errors about a block named as its form
//! names them.

use std::fmt::Display;
use std::str::FromStr;

use beeget_client::types;
use serde_json::{Value, json};

use super::blocks::clip;
use crate::api::Failure;
use crate::widgets::form::{Field, FieldKind, Form};

const HEADING_LEVELS: std::ops::RangeInclusive<i64> = 2..=4;

/// The API's field errors about block `index` (`contentBlocks[2].data.text`) named as the
/// block's form names its fields (`text`).
pub(super) fn about_block(failure: &Failure, index: usize) -> Failure {
    let mut failure = failure.clone();
    if let Failure::Problem(problem) = &mut failure {
        let prefix = format!("contentBlocks[{index}].data.");
        for error in &mut problem.errors {
            if let Some(field) = error.field.strip_prefix(&prefix) {
                error.field = field.to_owned();
            }
        }
    }
    failure
}

/// The form of a block of this kind, filled from `existing` when editing.
pub(super) fn block_form(kind: &str, existing: Option<&types::ContentBlock>) -> Form {
    use types::ContentBlock as B;
    let verb = if existing.is_some() { "Edit the" } else { "New" };
    match (kind, existing) {
        ("heading", b) => {
            let (level, text) = match b {
                Some(B::HeadingBlock(h)) => (h.data.level.to_string(), h.data.text.to_string()),
                _ => ("2".to_owned(), String::new()),
            };
            Form::new(
                format!("{verb} heading (level 2 to 4; the page title is level 1)"),
                vec![
                    Field::new("level", "Level", FieldKind::Integer)
                        .required()
                        .value(&level),
                    Field::new("text", "Text", FieldKind::Text).required().value(&text),
                ],
            )
        }
        ("paragraph", b) => {
            let markdown = match b {
                Some(B::ParagraphBlock(p)) => p.data.markdown.clone(),
                _ => String::new(),
            };
            Form::new(
                format!("{verb} paragraph (Markdown; Enter starts a line, Ctrl-S saves)"),
                vec![
                    Field::new("markdown", "Markdown", FieldKind::Multiline)
                        .required()
                        .value(&markdown),
                ],
            )
        }
        ("list", b) => {
            let (style, items) = match b {
                Some(B::ListBlock(l)) => (
                    l.data.style.to_string(),
                    l.data.items.iter().map(|i| i.as_str()).collect::<Vec<_>>().join("\n"),
                ),
                _ => ("bulleted".to_owned(), String::new()),
            };
            Form::new(
                format!("{verb} list (one item a line; Ctrl-S saves)"),
                vec![
                    Field::new(
                        "style",
                        "Style",
                        FieldKind::Choice {
                            options: vec!["bulleted".into(), "numbered".into()],
                        },
                    )
                    .pick(&[&style]),
                    Field::new("items", "Items", FieldKind::Multiline)
                        .required()
                        .value(&items),
                ],
            )
        }
        ("image", b) => {
            let (url, alt, caption) = match b {
                Some(B::ImageBlock(i)) => (
                    i.data.url.to_string(),
                    i.data.alt.to_string(),
                    i.data.caption.as_ref().map(|c| c.to_string()).unwrap_or_default(),
                ),
                _ => Default::default(),
            };
            Form::new(
                format!("{verb} image"),
                vec![
                    Field::new("url", "Address", FieldKind::Text).required().value(&url),
                    Field::new("alt", "Alt text", FieldKind::Text).required().value(&alt),
                    Field::new("caption", "Caption", FieldKind::Text).value(&caption),
                ],
            )
        }
        ("faq", b) => {
            let items = match b {
                Some(B::FaqBlock(f)) => f
                    .data
                    .items
                    .iter()
                    .map(|e| format!("{}\n{}", e.question.as_str(), e.answer.as_str()))
                    .collect::<Vec<_>>()
                    .join("\n\n"),
                _ => String::new(),
            };
            Form::new(
                format!("{verb} FAQ (question, answer below, blank line between; Ctrl-S saves)"),
                vec![
                    Field::new("items", "Q and A", FieldKind::Multiline)
                        .required()
                        .value(&items),
                ],
            )
        }
        (_, b) => {
            let (label, url) = match b {
                Some(B::CallToActionBlock(c)) => (c.data.label.to_string(), c.data.url.to_string()),
                _ => Default::default(),
            };
            Form::new(
                format!("{verb} call to action"),
                vec![
                    Field::new("label", "Label", FieldKind::Text).required().value(&label),
                    Field::new("url", "Address", FieldKind::Text).required().value(&url),
                ],
            )
        }
    }
}

const LINK_HINT: &str = "an http(s) address or a path on the site (/collections/linen)";

/// Checks a value as the API's schema does; the problem is named for the form's field.
fn check<T>(key: &'static str, value: &str, hint: &str) -> Result<(), (&'static str, String)>
where
    T: FromStr,
    T::Err: Display,
{
    T::from_str(value).map(|_| ()).map_err(|e| {
        let message = e.to_string();
        (
            key,
            if message.contains("pattern") {
                hint.to_owned()
            } else {
                message
            },
        )
    })
}

/// The entries of an FAQ as typed: a question on one line, its answer on the lines below,
/// a blank line before the next question.
fn faq_entries(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut entries = Vec::new();
    for chunk in text.split("\n\n").map(str::trim).filter(|c| !c.is_empty()) {
        let (question, answer) = chunk
            .split_once('\n')
            .ok_or_else(|| format!("\"{}\" needs its answer below it", clip(chunk, 30)))?;
        let answer = answer.lines().map(str::trim).collect::<Vec<_>>().join("\n");
        entries.push((question.trim().to_owned(), answer.trim().to_owned()));
    }
    Ok(entries)
}

/// The block the form describes, as the API takes it; `None` after marking what is wrong on
/// the form.
pub(super) fn block_from_form(kind: &'static str, form: &mut Form) -> Option<Value> {
    match build_block(kind, form) {
        Ok(block) => Some(block),
        Err((key, message)) => {
            match form.fields.iter_mut().position(|f| f.key == key) {
                Some(i) => {
                    form.fields[i].error = Some(message);
                    form.focus = i;
                    form.message = Some("fix the fields marked below".into());
                }
                None => form.message = Some(message),
            }
            None
        }
    }
}

fn build_block(kind: &'static str, form: &Form) -> Result<Value, (&'static str, String)> {
    let text = |key: &str| form.text(key).unwrap_or_default();
    let data = match kind {
        "heading" => {
            let level = form.integer("level").filter(|l| HEADING_LEVELS.contains(l)).ok_or((
                "level",
                format!(
                    "{} to {} (the page title is level 1)",
                    HEADING_LEVELS.start(),
                    HEADING_LEVELS.end()
                ),
            ))?;
            check::<types::HeadingBlockDataText>("text", &text("text"), "some text")?;
            json!({"level": level, "text": text("text")})
        }
        "paragraph" => {
            let markdown = form.raw("markdown");
            check::<types::ParagraphBlockInputDataMarkdown>("markdown", &markdown, "some text")?;
            json!({"markdown": markdown})
        }
        "list" => {
            let raw = form.raw("items");
            let items: Vec<&str> = raw.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
            if items.is_empty() || items.len() > 50 {
                return Err(("items", "1 to 50 items, one a line".into()));
            }
            for item in &items {
                check::<types::ListBlockDataItemsItem>("items", item, "some text")?;
            }
            json!({"style": form.choice("style").unwrap_or("bulleted"), "items": items})
        }
        "image" => {
            check::<types::ImageBlockDataUrl>("url", &text("url"), LINK_HINT)?;
            check::<types::ImageBlockDataAlt>("alt", &text("alt"), "what the image shows")?;
            let mut data = json!({"url": text("url"), "alt": text("alt")});
            if let Some(caption) = form.text("caption") {
                check::<types::ImageBlockDataCaption>("caption", &caption, "text without control characters")?;
                data["caption"] = json!(caption);
            }
            data
        }
        "faq" => {
            let entries = faq_entries(&form.raw("items")).map_err(|m| ("items", m))?;
            if entries.is_empty() || entries.len() > 50 {
                return Err(("items", "1 to 50 questions".into()));
            }
            for (question, answer) in &entries {
                check::<types::FaqEntryQuestion>("items", question, "a question")?;
                check::<types::FaqEntryAnswer>("items", answer, "an answer")?;
            }
            let items: Vec<Value> = entries
                .iter()
                .map(|(q, a)| json!({"question": q, "answer": a}))
                .collect();
            json!({"items": items})
        }
        _ => {
            check::<types::CallToActionBlockDataLabel>("label", &text("label"), "a short label")?;
            check::<types::CallToActionBlockDataUrl>("url", &text("url"), LINK_HINT)?;
            json!({"label": text("label"), "url": text("url")})
        }
    };
    let block = json!({"type": kind, "data": data});
    serde_json::from_value::<types::ContentBlockInput>(block.clone()).map_err(|e| ("", e.to_string()))?;
    Ok(block)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faq_text_is_questions_with_answers_below() {
        let entries = faq_entries("Q1?\nA1\nmore\n\n\nQ2?\nA2\n").expect("valid");
        assert_eq!(
            entries,
            vec![
                ("Q1?".to_owned(), "A1\nmore".to_owned()),
                ("Q2?".to_owned(), "A2".to_owned())
            ]
        );
        assert!(faq_entries("Q1?\n\nQ2?\nA2").is_err());
    }

    #[test]
    fn field_errors_about_the_edited_block_name_its_fields() {
        let failure = Failure::Problem(
            serde_json::from_value(json!({
                "type": "about:blank", "title": "t", "status": 422, "code": "validation_failed",
                "errors": [{"field": "contentBlocks[1].data.level", "message": "must be 2 to 4"},
                           {"field": "contentBlocks[0].data.text", "message": "too long"}]
            }))
            .expect("a problem"),
        );
        let Failure::Problem(problem) = about_block(&failure, 1) else {
            panic!("a problem")
        };
        let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["level", "contentBlocks[0].data.text"]);
    }
}
