//! The promotion form: its fields filled from a promotion, the value and target fields
//! that follow the discount type and the scope, and the checks and request made on sending.

use beeget_client::types;
use chrono::NaiveDate;
use serde_json::{Value, json};

use super::PromotionsScreen;
use crate::action::Purpose;
use crate::api::{Clear, Request, body};
use crate::context::Ctx;
use crate::money;
use crate::screens::categories::category_choices;
use crate::widgets::form::{Field, FieldKind, Form};
use crate::widgets::record_form::{optional, picked, refuse, switch};

const DISCOUNT_TYPES: [&str; 2] = ["percent", "fixed"];
const SCOPES: [&str; 4] = ["all", "category", "collection", "product"];
/// The currency of a new promotion when no promotion tells the store's.
const DEFAULT_CURRENCY: &str = "EUR";

/// The promotion form, with what its changing fields offer.
pub(super) struct Editor {
    /// The promotion changed (`None`: a new one).
    original: Option<types::AdminPromotion>,
    currency: String,
    /// (id, label) of the categories and collections a scope can name.
    categories: Vec<(String, String)>,
    collections: Vec<(String, String)>,
    pub(super) form: Form,
}

impl Editor {
    /// Fits the value field to the discount type and the target field to the scope.
    pub(super) fn sync(&mut self) {
        let fixed = self.form.choice("discountType") == Some("fixed");
        let scope = self.form.choice("scope").unwrap_or("all").to_owned();
        let names = |list: &[(String, String)], none: &str| {
            if list.is_empty() {
                vec![none.to_owned()]
            } else {
                list.iter().map(|(_, name)| name.clone()).collect()
            }
        };
        for field in &mut self.form.fields {
            let (kind, label, required) = match field.key {
                "discountValue" if fixed => (
                    FieldKind::Money {
                        currency: self.currency.clone(),
                    },
                    "Amount off",
                    true,
                ),
                "discountValue" => (FieldKind::Integer, "Percent off", true),
                "scope.id" => match scope.as_str() {
                    "category" => (
                        FieldKind::Choice {
                            options: names(&self.categories, "(no category)"),
                        },
                        "Category",
                        true,
                    ),
                    "collection" => (
                        FieldKind::Choice {
                            options: names(&self.collections, "(no collection)"),
                        },
                        "Collection",
                        true,
                    ),
                    "product" => (FieldKind::Text, "Product id", true),
                    _ => (
                        FieldKind::Choice {
                            options: vec!["(every product)".into()],
                        },
                        "Target",
                        false,
                    ),
                },
                _ => continue,
            };
            if field.kind != kind {
                field.kind = kind;
                field.label = label;
                field.required = required;
                field.choice = 0;
                field.error = None;
            }
        }
    }

    /// The scope as the API takes it, or the message for the target field.
    fn scope(&self) -> Result<Value, &'static str> {
        let kind = self.form.choice("scope").unwrap_or("all");
        let at = picked(&self.form, "scope.id");
        let id = match kind {
            "all" => return Ok(json!({"kind": "all"})),
            "category" => self
                .categories
                .get(at)
                .map(|(id, _)| id.clone())
                .ok_or("no category to pick")?,
            "collection" => self
                .collections
                .get(at)
                .map(|(id, _)| id.clone())
                .ok_or("no collection to pick")?,
            _ => self.form.text("scope.id").ok_or("required")?,
        };
        Ok(json!({"kind": kind, "id": id}))
    }
}

fn day(form: &Form, key: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&form.text(key)?, "%Y-%m-%d").ok()
}

impl PromotionsScreen {
    pub(super) fn open_form(&mut self, promotion: Option<types::AdminPromotion>) {
        let p = promotion.as_ref();
        let currency = p
            .map(|p| p.currency.clone())
            .or_else(|| self.all.first().map(|p| p.currency.clone()))
            .unwrap_or_else(|| DEFAULT_CURRENCY.to_owned());
        let value = p.map_or(String::new(), |p| match p.discount_type {
            types::DiscountType::Percent => p.discount_value.to_string(),
            types::DiscountType::Fixed => money::format_plain(p.discount_value),
        });
        let date = |d: chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%d").to_string();
        let options = |all: &[&str]| all.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let title = match p {
            Some(p) => format!("Edit the promotion \"{}\"", p.name),
            None => "New promotion".to_owned(),
        };
        let form = Form::new(
            title,
            vec![
                Field::new("name", "Name", FieldKind::Text)
                    .required()
                    .value(p.map_or("", |p| p.name.as_str())),
                Field::new("code", "Code", FieldKind::Text).value(p.and_then(|p| p.code.as_deref()).unwrap_or("")),
                Field::new("description", "Description", FieldKind::Multiline)
                    .value(p.and_then(|p| p.description.as_deref()).unwrap_or("")),
                Field::new(
                    "discountType",
                    "Discount",
                    FieldKind::Choice {
                        options: options(&DISCOUNT_TYPES),
                    },
                )
                .pick(&[&p.map_or("percent".to_owned(), |p| p.discount_type.to_string())]),
                Field::new("discountValue", "Percent off", FieldKind::Integer)
                    .required()
                    .value(&value),
                Field::new("startDate", "Starts", FieldKind::Date)
                    .required()
                    .value(&p.map(|p| date(p.start_date)).unwrap_or_default()),
                Field::new("endDate", "Ends", FieldKind::Date)
                    .required()
                    .value(&p.map(|p| date(p.end_date)).unwrap_or_default()),
                switch("stackable", "Stackable", p.is_some_and(|p| p.stackable)),
                switch("active", "Active", p.is_none_or(|p| p.active)),
                Field::new("position", "Position", FieldKind::Integer).value(&p.map_or(0, |p| p.order).to_string()),
                Field::new(
                    "scope",
                    "Applies to",
                    FieldKind::Choice {
                        options: options(&SCOPES),
                    },
                )
                .pick(&[&p.map_or("all".to_owned(), |p| p.scope.kind.to_string())]),
                Field::new("scope.id", "Target", FieldKind::Text),
            ],
        );
        let mut editor = Editor {
            original: promotion.clone(),
            currency,
            categories: category_choices(&self.categories, None),
            collections: self.collection_choices(),
            form,
        };
        // A target the lists do not hold stays offered, by id, rather than another taking its
        // place unseen.
        if let Some(scope) = p.map(|p| &p.scope) {
            for (target, choices) in [
                (&scope.category_id, &mut editor.categories),
                (&scope.collection_id, &mut editor.collections),
            ] {
                if let Some(id) = target
                    && !choices.iter().any(|(known, _)| known == id)
                {
                    choices.insert(0, (id.clone(), format!("{id} (not loaded)")));
                }
            }
        }
        editor.sync();
        if let Some(scope) = p.map(|p| &p.scope) {
            let choices = match scope.kind {
                types::PromotionScopeKind::Category => &editor.categories,
                _ => &editor.collections,
            };
            let target = scope.category_id.as_ref().or(scope.collection_id.as_ref());
            if let Some(field) = editor.form.fields.iter_mut().find(|f| f.key == "scope.id") {
                field.choice = target
                    .and_then(|t| choices.iter().position(|(id, _)| id == t))
                    .unwrap_or(0);
                if let Some(product) = &scope.product_id {
                    field.input.set(product);
                }
            }
        }
        self.editor = Some(editor);
    }

    /// Builds the request from the form, after the checks the field kinds cannot make (the
    /// percent's range, the end after the start, a target for the scope).
    pub(super) fn submit(&mut self, ctx: &mut Ctx) {
        let Some(editor) = &mut self.editor else { return };
        let fixed = editor.form.choice("discountType") == Some("fixed");
        let value = if fixed {
            editor.form.money("discountValue")
        } else {
            editor.form.integer("discountValue")
        };
        match value {
            Some(v) if !fixed && !(1..=100).contains(&v) => {
                return refuse(&mut editor.form, "discountValue", "a whole percent from 1 to 100");
            }
            Some(v) if fixed && v <= 0 => return refuse(&mut editor.form, "discountValue", "more than zero"),
            None => return refuse(&mut editor.form, "discountValue", "required"),
            Some(_) => {}
        }
        let (Some(start), Some(end)) = (day(&editor.form, "startDate"), day(&editor.form, "endDate")) else {
            return;
        };
        if end < start {
            return refuse(&mut editor.form, "endDate", "on or after the start date");
        }
        let scope = match editor.scope() {
            Ok(scope) => scope,
            Err(message) => return refuse(&mut editor.form, "scope.id", message),
        };
        // A code removed: `code: null`, which the typed patch cannot carry.
        let clear = if editor.original.as_ref().is_some_and(|p| p.code.is_some()) && editor.form.text("code").is_none()
        {
            Clear::default().null("code")
        } else {
            Clear::default()
        };
        let form = &editor.form;
        let mut fields = json!({
            "name": form.text("name"), "code": form.text("code"), "discountType": form.choice("discountType"),
            "discountValue": value, "startDate": format!("{start}T00:00:00Z"), "endDate": format!("{end}T23:59:59Z"),
            "stackable": form.choice("stackable") == Some("yes"), "active": form.choice("active") == Some("yes"),
            "position": form.integer("position"), "scope": scope,
        });
        let built = match &editor.original {
            None => {
                fields["description"] = json!(optional(form.raw("description")));
                body(fields).map(Request::CreatePromotion)
            }
            Some(p) => {
                fields["description"] = json!(form.raw("description"));
                if start == p.start_date.date_naive() {
                    fields["startDate"] = Value::Null;
                }
                if end == p.end_date.date_naive() {
                    fields["endDate"] = Value::Null;
                }
                let id = p.id.clone();
                body(fields).map(|patch| Request::UpdatePromotion { id, patch, clear })
            }
        };
        match built {
            Ok(request) => {
                editor.form.sending = true;
                ctx.call(Purpose::Save, request);
            }
            Err(message) => editor.form.message = Some(message),
        }
    }
}
