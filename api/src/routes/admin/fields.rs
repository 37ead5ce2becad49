//! Small readers shared by the admin routes' requests.

use poem_openapi::types::MaybeUndefined;

use crate::domain::InvalidField;

/// A PATCH field that may be left out (`None`: keep it), `null` (`Some(None)`: clear it) or
/// a value.
pub fn patched<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

/// The default of switches that start on (`active`).
pub fn on() -> bool {
    true
}

/// An optional id query parameter: a UUID, or a failure naming the parameter pushed to
/// `errors`.
pub fn query_id(raw: Option<String>, name: &str, errors: &mut Vec<InvalidField>) -> Option<uuid::Uuid> {
    let raw = raw?;
    uuid::Uuid::parse_str(raw.trim())
        .map_err(|_| errors.push(InvalidField::new(name, "must be a UUID")))
        .ok()
}
