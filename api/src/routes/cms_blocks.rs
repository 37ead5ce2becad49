//! CMS content blocks as the API shows and takes them: `{"type": "...", "data": {...}}`, one
//! schema per type under a discriminated `oneOf`, so generated clients get one type per block.
//! The rules behind each field are `domain::cms`'s; a paragraph is written as Markdown and
//! read back with its sanitised HTML.

use poem_openapi::{Enum, Object, Union};

use crate::domain::cms::{Block, DraftBlock, FaqEntry, ListStyle};

/// A heading under the page title.
#[derive(Object, Debug, Clone)]
#[oai(rename = "HeadingBlockData", rename_all = "camelCase")]
pub struct HeadingData {
    /// 2 to 4 (the page title is level 1).
    pub level: u8,
    pub text: String,
}

/// A paragraph as stored: its Markdown and the HTML rendered from it.
#[derive(Object, Debug, Clone)]
#[oai(rename = "ParagraphBlockData", rename_all = "camelCase")]
pub struct ParagraphData {
    /// CommonMark, with tables and strikethrough.
    pub markdown: String,
    /// Rendered from `markdown` and sanitised (no scripts, event handlers or `javascript:`
    /// links): safe to insert as it is.
    pub html: String,
}

/// A paragraph as staff write it.
#[derive(Object, Debug, Clone)]
#[oai(rename = "ParagraphBlockInputData", rename_all = "camelCase")]
pub struct ParagraphInputData {
    /// CommonMark, with tables and strikethrough; rendered to HTML when the page is saved.
    pub markdown: String,
}

#[derive(Object, Debug, Clone)]
#[oai(rename = "ImageBlockData", rename_all = "camelCase")]
pub struct ImageData {
    /// An http(s) address or a path on the site (`/media/...`).
    pub url: String,
    /// What the image shows, for people who cannot see it.
    pub alt: String,
    #[oai(skip_serializing_if_is_none)]
    pub caption: Option<String>,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "ListStyle", rename_all = "camelCase")]
pub enum ListStyleView {
    Bulleted,
    Numbered,
}

#[derive(Object, Debug, Clone)]
#[oai(rename = "ListBlockData", rename_all = "camelCase")]
pub struct ListData {
    pub style: ListStyleView,
    /// 1 to 50 items.
    pub items: Vec<String>,
}

#[derive(Object, Debug, Clone)]
#[oai(rename = "FaqEntry", rename_all = "camelCase")]
pub struct FaqEntryView {
    pub question: String,
    pub answer: String,
}

#[derive(Object, Debug, Clone)]
#[oai(rename = "FaqBlockData", rename_all = "camelCase")]
pub struct FaqData {
    /// 1 to 50 questions with their answers.
    pub items: Vec<FaqEntryView>,
}

/// A button or link that sends the reader somewhere.
#[derive(Object, Debug, Clone)]
#[oai(rename = "CallToActionBlockData", rename_all = "camelCase")]
pub struct CallToActionData {
    pub label: String,
    /// An http(s) address or a path on the site (`/collections/linen`).
    pub url: String,
}

macro_rules! block {
    ($name:ident, $schema:literal, $data:ty) => {
        #[derive(Object, Debug, Clone)]
        #[oai(rename = $schema)]
        pub struct $name {
            pub data: $data,
        }
    };
}

block!(HeadingBlock, "HeadingBlock", HeadingData);
block!(ParagraphBlock, "ParagraphBlock", ParagraphData);
block!(ParagraphInputBlock, "ParagraphInputBlock", ParagraphInputData);
block!(ImageBlock, "ImageBlock", ImageData);
block!(ListBlock, "ListBlock", ListData);
block!(FaqBlock, "FaqBlock", FaqData);
block!(CallToActionBlock, "CallToActionBlock", CallToActionData);

/// One block of a page, told apart by `type`.
#[derive(Union, Debug, Clone)]
#[oai(rename = "ContentBlock", discriminator_name = "type", one_of)]
pub enum ContentBlockView {
    #[oai(mapping = "heading")]
    Heading(HeadingBlock),
    #[oai(mapping = "paragraph")]
    Paragraph(ParagraphBlock),
    #[oai(mapping = "image")]
    Image(ImageBlock),
    #[oai(mapping = "list")]
    List(ListBlock),
    #[oai(mapping = "faq")]
    Faq(FaqBlock),
    #[oai(mapping = "callToAction")]
    CallToAction(CallToActionBlock),
}

/// One block as staff write it, told apart by `type`; a paragraph without its HTML.
#[derive(Union, Debug, Clone)]
#[oai(rename = "ContentBlockInput", discriminator_name = "type", one_of)]
pub enum ContentBlockInput {
    #[oai(mapping = "heading")]
    Heading(HeadingBlock),
    #[oai(mapping = "paragraph")]
    Paragraph(ParagraphInputBlock),
    #[oai(mapping = "image")]
    Image(ImageBlock),
    #[oai(mapping = "list")]
    List(ListBlock),
    #[oai(mapping = "faq")]
    Faq(FaqBlock),
    #[oai(mapping = "callToAction")]
    CallToAction(CallToActionBlock),
}

fn style(view: ListStyleView) -> ListStyle {
    match view {
        ListStyleView::Bulleted => ListStyle::Bulleted,
        ListStyleView::Numbered => ListStyle::Numbered,
    }
}

impl From<ContentBlockInput> for DraftBlock {
    fn from(block: ContentBlockInput) -> Self {
        match block {
            ContentBlockInput::Heading(b) => DraftBlock::Heading {
                level: b.data.level,
                text: b.data.text,
            },
            ContentBlockInput::Paragraph(b) => DraftBlock::Paragraph {
                markdown: b.data.markdown,
            },
            ContentBlockInput::Image(b) => DraftBlock::Image {
                url: b.data.url,
                alt: b.data.alt,
                caption: b.data.caption,
            },
            ContentBlockInput::List(b) => DraftBlock::List {
                style: style(b.data.style),
                items: b.data.items,
            },
            ContentBlockInput::Faq(b) => DraftBlock::Faq {
                items: b
                    .data
                    .items
                    .into_iter()
                    .map(|e| FaqEntry {
                        question: e.question,
                        answer: e.answer,
                    })
                    .collect(),
            },
            ContentBlockInput::CallToAction(b) => DraftBlock::CallToAction {
                label: b.data.label,
                url: b.data.url,
            },
        }
    }
}

impl From<Block> for ContentBlockView {
    fn from(block: Block) -> Self {
        match block {
            Block::Heading { level, text } => Self::Heading(HeadingBlock {
                data: HeadingData { level, text },
            }),
            Block::Paragraph { markdown, html } => Self::Paragraph(ParagraphBlock {
                data: ParagraphData { markdown, html },
            }),
            Block::Image { url, alt, caption } => Self::Image(ImageBlock {
                data: ImageData { url, alt, caption },
            }),
            Block::List { style, items } => Self::List(ListBlock {
                data: ListData {
                    style: match style {
                        ListStyle::Bulleted => ListStyleView::Bulleted,
                        ListStyle::Numbered => ListStyleView::Numbered,
                    },
                    items,
                },
            }),
            Block::Faq { items } => Self::Faq(FaqBlock {
                data: FaqData {
                    items: items
                        .into_iter()
                        .map(|e| FaqEntryView {
                            question: e.question,
                            answer: e.answer,
                        })
                        .collect(),
                },
            }),
            Block::CallToAction { label, url } => Self::CallToAction(CallToActionBlock {
                data: CallToActionData { label, url },
            }),
        }
    }
}
