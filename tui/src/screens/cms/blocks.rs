//! Content blocks as data: their kinds, the one-line summary the block table shows, and
//! the way back from a stored block (`ContentBlock`) to what the API takes (`ContentBlockInput`).

use beeget_client::types;
use serde_json::{Value, json};

/// The kinds of block, by the API's `type`.
pub(super) const BLOCK_TYPES: [&str; 6] = ["heading", "paragraph", "list", "image", "faq", "callToAction"];

pub(super) fn block_kind(block: &types::ContentBlock) -> &'static str {
    use types::ContentBlock as B;
    match block {
        B::HeadingBlock(_) => "heading",
        B::ParagraphBlock(_) => "paragraph",
        B::ImageBlock(_) => "image",
        B::ListBlock(_) => "list",
        B::FaqBlock(_) => "faq",
        B::CallToActionBlock(_) => "callToAction",
    }
}

/// One line about the block, for the list of blocks.
pub(super) fn block_summary(block: &types::ContentBlock) -> String {
    use types::ContentBlock as B;
    match block {
        B::HeadingBlock(h) => format!("H{} {}", h.data.level, h.data.text.as_str()),
        B::ParagraphBlock(p) => p
            .data
            .markdown
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
            .to_owned(),
        B::ImageBlock(i) => format!("{} ({})", i.data.alt.as_str(), i.data.url.as_str()),
        B::ListBlock(l) => format!(
            "{} {} item(s): {}",
            l.data.items.len(),
            l.data.style,
            l.data.items.iter().map(|i| i.as_str()).collect::<Vec<_>>().join(" · ")
        ),
        B::FaqBlock(f) => format!(
            "{} question(s): {}",
            f.data.items.len(),
            f.data
                .items
                .iter()
                .map(|e| e.question.as_str())
                .collect::<Vec<_>>()
                .join(" · ")
        ),
        B::CallToActionBlock(c) => format!("[{}] → {}", c.data.label.as_str(), c.data.url.as_str()),
    }
}

pub(super) fn clip(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(chars.saturating_sub(1)).collect::<String>())
    }
}

/// The block as the API takes it back (`ContentBlockInput`): a paragraph is its Markdown
/// alone (the HTML is rendered again when saved); the other kinds carry the same data.
pub(super) fn block_input(block: &types::ContentBlock) -> Value {
    use types::ContentBlock as B;
    match block {
        B::HeadingBlock(h) => json!({"type": "heading", "data": {"level": h.data.level, "text": h.data.text.as_str()}}),
        B::ParagraphBlock(p) => json!({"type": "paragraph", "data": {"markdown": p.data.markdown}}),
        B::ImageBlock(i) => {
            let mut data = json!({"url": i.data.url.as_str(), "alt": i.data.alt.as_str()});
            if let Some(caption) = &i.data.caption {
                data["caption"] = json!(caption.as_str());
            }
            json!({"type": "image", "data": data})
        }
        B::ListBlock(l) => json!({
            "type": "list",
            "data": {"style": l.data.style, "items": l.data.items.iter().map(|i| i.as_str()).collect::<Vec<_>>()},
        }),
        B::FaqBlock(f) => json!({
            "type": "faq",
            "data": {"items": f.data.items.iter()
                .map(|e| json!({"question": e.question.as_str(), "answer": e.answer.as_str()}))
                .collect::<Vec<_>>()},
        }),
        B::CallToActionBlock(c) => {
            json!({"type": "callToAction", "data": {"label": c.data.label.as_str(), "url": c.data.url.as_str()}})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::body;

    fn block(value: Value) -> types::ContentBlock {
        serde_json::from_value(value).expect("a content block")
    }

    #[test]
    fn every_kind_of_block_goes_back_as_its_input() {
        let blocks = [
            json!({"type": "heading", "data": {"level": 3, "text": "Hi"}}),
            json!({"type": "paragraph", "data": {"markdown": "*a*", "html": "<p><em>a</em></p>"}}),
            json!({"type": "image", "data": {"url": "/media/a.jpg", "alt": "A", "caption": "C"}}),
            json!({"type": "image", "data": {"url": "/media/b.jpg", "alt": "B"}}),
            json!({"type": "list", "data": {"style": "numbered", "items": ["x", "y"]}}),
            json!({"type": "faq", "data": {"items": [{"question": "Q?", "answer": "A."}]}}),
            json!({"type": "callToAction", "data": {"label": "Go", "url": "https://example.com/"}}),
        ];
        let inputs: Vec<Value> = blocks.iter().map(|b| block_input(&block(b.clone()))).collect();
        assert_eq!(inputs[1], json!({"type": "paragraph", "data": {"markdown": "*a*"}}));
        for (input, original) in inputs.iter().zip(&blocks) {
            if original["type"] != "paragraph" {
                assert_eq!(input, original);
            }
            serde_json::from_value::<types::ContentBlockInput>(input.clone()).expect("a valid input");
        }
        let patch: types::AdminPagePatch = body(json!({"contentBlocks": inputs})).expect("a patch");
        assert_eq!(patch.content_blocks.len(), 7);
    }

    #[test]
    fn summaries_name_what_each_block_says() {
        let s = |v: Value| block_summary(&block(v));
        assert_eq!(
            s(json!({"type": "heading", "data": {"level": 2, "text": "Hi"}})),
            "H2 Hi"
        );
        assert_eq!(
            s(json!({"type": "paragraph", "data": {"markdown": "\nFirst\nSecond", "html": ""}})),
            "First"
        );
        assert_eq!(
            s(json!({"type": "list", "data": {"style": "bulleted", "items": ["a", "b"]}})),
            "2 bulleted item(s): a · b"
        );
        assert_eq!(
            s(json!({"type": "faq", "data": {"items": [{"question": "Q?", "answer": "A"}]}})),
            "1 question(s): Q?"
        );
        assert_eq!(
            s(json!({"type": "callToAction", "data": {"label": "Go", "url": "/x"}})),
            "[Go] → /x"
        );
        assert_eq!(
            s(json!({"type": "image", "data": {"url": "/m.jpg", "alt": "Alt"}})),
            "Alt (/m.jpg)"
        );
    }
}
