//! The audit log's records: who changed what, when, under which request, and each changed
//! field's value before and after. Personal data is masked before it is recorded, so the log
//! can be read by any staff member and kept after an account is erased.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

/// What kind of record an audited write changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditTarget {
    Product,
    Variant,
    Category,
    Collection,
    Promotion,
    User,
    Order,
    CmsPage,
    ContactMessage,
    Job,
}

impl AuditTarget {
    pub const ALL: [Self; 10] = [
        Self::Product,
        Self::Variant,
        Self::Category,
        Self::Collection,
        Self::Promotion,
        Self::User,
        Self::Order,
        Self::CmsPage,
        Self::ContactMessage,
        Self::Job,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Product => "product",
            Self::Variant => "variant",
            Self::Category => "category",
            Self::Collection => "collection",
            Self::Promotion => "promotion",
            Self::User => "user",
            Self::Order => "order",
            Self::CmsPage => "cms_page",
            Self::ContactMessage => "contact_message",
            Self::Job => "job",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw)
    }
}

/// One field's value before and after the write; `None` where the field did not exist (a
/// creation's `before`, a deletion's `after`).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl FieldChange {
    pub fn new(field: impl Into<String>, before: Option<Value>, after: Option<Value>) -> Self {
        Self {
            field: field.into(),
            before,
            after,
        }
    }

    /// A change to personal data (an email, a name, an address line): both values masked.
    pub fn personal(field: impl Into<String>, before: Option<&str>, after: Option<&str>) -> Self {
        Self::new(field, before.map(|v| mask(v).into()), after.map(|v| mask(v).into()))
    }
}

/// An audited write, as the service that made it describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// The staff member who made the write.
    pub actor_id: Uuid,
    /// What was done, `target.verb` in snake case: `order.status_changed`, `product.created`.
    pub action: String,
    pub target_type: AuditTarget,
    pub target_id: Uuid,
    /// The `X-Request-Id` of the request that made the write.
    pub request_id: Option<String>,
    pub at: DateTime<Utc>,
    pub changes: Vec<FieldChange>,
}

impl AuditRecord {
    /// A record of `action` on `target_type` `target_id` by `actor_id` at `at`, with no
    /// changes yet.
    pub fn new(
        actor_id: Uuid,
        action: &str,
        (target_type, target_id): (AuditTarget, Uuid),
        request_id: Option<String>,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            actor_id,
            action: action.to_owned(),
            target_type,
            target_id,
            request_id,
            at,
            changes: Vec::new(),
        }
    }

    pub fn with_changes(mut self, changes: Vec<FieldChange>) -> Self {
        self.changes = changes;
        self
    }
}

/// A stored audit record.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: Uuid,
    pub record: AuditRecord,
}

/// What `GET /admin/audit` narrows the log to; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor_id: Option<Uuid>,
    pub target_type: Option<AuditTarget>,
    pub target_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    /// Exclusive.
    pub to: Option<DateTime<Utc>>,
}

/// The fields of two snapshots of one record (JSON objects) whose values differ, in key order
/// (the fields `after` has, then those only `before` had); the fields named in `personal` are
/// masked. Snapshots that are not objects compare as one field named `value`.
pub fn diff(before: Option<&Value>, after: Option<&Value>, personal: &[&str]) -> Vec<FieldChange> {
    let empty = serde_json::Map::new();
    let as_object = |v: Option<&Value>| match v {
        Some(Value::Object(map)) => Some(map.clone()),
        Some(other) => Some(serde_json::Map::from_iter([("value".to_owned(), other.clone())])),
        None => None,
    };
    let before = as_object(before);
    let after = as_object(after);
    let (b, a) = (before.as_ref().unwrap_or(&empty), after.as_ref().unwrap_or(&empty));
    let keys = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k)));
    keys.filter(|k| b.get(*k) != a.get(*k))
        .map(|k| {
            let (old, new) = (b.get(k).cloned(), a.get(k).cloned());
            if personal.contains(&k.as_str()) {
                let text = |v: Option<Value>| {
                    v.map(|v| match v {
                        Value::String(s) => mask(&s),
                        other => mask(&other.to_string()),
                    })
                };
                FieldChange::new(k.clone(), text(old).map(Value::from), text(new).map(Value::from))
            } else {
                FieldChange::new(k.clone(), old, new)
            }
        })
        .collect()
}

/// Masks personal text so it can be told apart from other values but not read back: the first
/// character of each word then `***`, whatever its length; an email keeps its domain's last
/// label (`j***@e***.com`). `"Ada Lovelace"` → `"A*** L***"`.
pub fn mask(value: &str) -> String {
    fn word(w: &str) -> String {
        let mut chars = w.chars();
        match chars.next() {
            Some(first) => format!("{first}***"),
            None => String::new(),
        }
    }
    if let Some((local, domain)) = value.split_once('@') {
        let (host, tld) = domain.rsplit_once('.').unwrap_or((domain, ""));
        let tld = if tld.is_empty() {
            String::new()
        } else {
            format!(".{tld}")
        };
        return format!("{}@{}{tld}", word(local), word(host));
    }
    value.split_whitespace().map(word).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn masks_hide_all_but_first_letters() {
        assert_eq!(mask("Ada Lovelace"), "A*** L***");
        assert_eq!(mask("ada.lovelace@example.com"), "a***@e***.com");
        assert_eq!(mask("x@y"), "x***@y***");
        assert_eq!(mask("  "), "");
        assert_eq!(mask("Zoë"), "Z***");
    }

    #[test]
    fn diff_lists_changed_fields_only_and_masks_personal_ones() {
        let before = json!({"title": "Shirt", "price": 1000, "email": "old@example.com", "gone": 1});
        let after = json!({"title": "Shirt", "price": 1200, "email": "new@example.org"});
        let changes = diff(Some(&before), Some(&after), &["email"]);
        assert_eq!(
            changes,
            vec![
                FieldChange::new("email", Some(json!("o***@e***.com")), Some(json!("n***@e***.org"))),
                FieldChange::new("price", Some(json!(1000)), Some(json!(1200))),
                FieldChange::new("gone", Some(json!(1)), None),
            ]
        );
    }

    #[test]
    fn creation_and_deletion_have_one_side() {
        let row = json!({"name": "Tops"});
        assert_eq!(
            diff(None, Some(&row), &[]),
            vec![FieldChange::new("name", None, Some(json!("Tops")))]
        );
        assert_eq!(
            diff(Some(&row), None, &[]),
            vec![FieldChange::new("name", Some(json!("Tops")), None)]
        );
    }

    #[test]
    fn targets_round_trip() {
        for t in AuditTarget::ALL {
            assert_eq!(AuditTarget::parse(t.as_str()), Some(t));
        }
        assert_eq!(AuditTarget::parse("planet"), None);
    }
}
