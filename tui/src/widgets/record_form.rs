//! What the forms of the catalogue's records (categories, collections, promotions) share:
//! yes/no switches, a check marked on its field, blank as none, and the dialog that picks the
//! record taking over one deleted while in use.

use crate::api::Failure;
use crate::widgets::form::{Field, FieldKind, Form};

/// `yes`/`no`, as the forms' switches show them.
pub(crate) fn yes_no(on: bool) -> &'static str {
    if on { "yes" } else { "no" }
}

/// A yes/no switch of a form, set to `on`.
pub(crate) fn switch(key: &'static str, label: &'static str, on: bool) -> Field {
    Field::new(
        key,
        label,
        FieldKind::Choice {
            options: vec!["yes".into(), "no".into()],
        },
    )
    .pick(&[yes_no(on)])
}

/// The index of the option picked in a choice field.
pub(crate) fn picked(form: &Form, key: &str) -> usize {
    form.fields.iter().find(|f| f.key == key).map_or(0, |f| f.choice)
}

/// Puts `message` beside the field and says so on the form (a check made here, before any call).
pub(crate) fn refuse(form: &mut Form, key: &str, message: &str) {
    if let Some(i) = form.fields.iter().position(|f| f.key == key) {
        form.fields[i].error = Some(message.to_owned());
        form.focus = i;
    }
    form.message = Some("fix the fields marked below".into());
}

/// A multi-line text as a new record sends it: `None` when blank.
pub(crate) fn optional(text: String) -> Option<String> {
    (!text.trim().is_empty()).then_some(text)
}

/// What the API said, for the status line: the problem's detail (the counts of what uses a
/// record), else the whole failure.
pub(crate) fn said(failure: &Failure) -> String {
    match failure {
        Failure::Problem(problem) => problem.detail.clone().unwrap_or_else(|| failure.to_string()),
        other => other.to_string(),
    }
}

/// Deleting a record still in use: the form that picks the record taking over (`reassignTo`).
pub(crate) struct Reassign {
    /// The record to delete.
    pub(crate) id: String,
    /// The id behind each option of the form's one field.
    targets: Vec<String>,
    pub(crate) form: Form,
}

impl Reassign {
    /// The form for `(id, label)` targets; `None` when there is none to move to.
    pub(crate) fn new(noun: &str, name: &str, id: &str, targets: Vec<(String, String)>) -> Option<Self> {
        if targets.is_empty() {
            return None;
        }
        let (targets, labels): (Vec<String>, Vec<String>) = targets.into_iter().unzip();
        let mut form = Form::new(
            format!("Delete the {noun} \"{name}\""),
            vec![Field::new(
                "reassignTo",
                "Move all to",
                FieldKind::Choice { options: labels },
            )],
        );
        form.message = Some(format!(
            "In use: pick the {noun} that takes it all over; Ctrl-S deletes."
        ));
        Some(Self {
            id: id.to_owned(),
            targets,
            form,
        })
    }

    /// The id picked.
    pub(crate) fn target(&self) -> Option<String> {
        self.targets.get(picked(&self.form, "reassignTo")).cloned()
    }
}
