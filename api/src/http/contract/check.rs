//! Holding a JSON value against a schema of the spec: types, nullability, required and
//! unknown fields, enums, lengths, patterns, bounds and `oneOf`, each failure named by its
//! field path.

use serde_json::{Value, json};

use super::Contract;
use crate::{domain::text, http::problem::FieldError};

impl Contract {
    /// Where `value` breaks the declared types of `schema`: the field path and why.
    pub(super) fn type_errors(&self, value: &Value, schema: &Value) -> Vec<FieldError> {
        let mut errors = Vec::new();
        self.check(value, schema, "", &mut errors);
        errors
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => reference
                .strip_prefix("#/components/schemas/")
                .and_then(|name| self.schemas.get(name))
                .unwrap_or(&Value::Null),
            None => schema,
        }
    }

    fn check(&self, value: &Value, schema: &Value, field: &str, errors: &mut Vec<FieldError>) {
        let schema = self.resolve(schema);
        let constrained = ["type", "allOf", "$ref", "required", "properties", "oneOf", "enum"]
            .iter()
            .any(|k| schema.get(k).is_some());
        if !constrained {
            // Any JSON at all (e.g. a webhook's raw event).
            return;
        }
        let nullable = schema.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        if value.is_null() {
            if !nullable {
                errors.push(error(field, "must not be null"));
            }
            return;
        }
        if let Some(all_of) = schema.get("allOf").and_then(Value::as_array) {
            for part in all_of {
                self.check(value, part, field, errors);
            }
        }
        if let Some(ty) = schema.get("type").and_then(Value::as_str) {
            let fits = match ty {
                "string" => value.is_string(),
                "integer" => value.is_i64() || value.is_u64(),
                "number" => value.is_number(),
                "boolean" => value.is_boolean(),
                "array" => value.is_array(),
                "object" => value.is_object(),
                _ => true,
            };
            if !fits {
                errors.push(error(field, &format!("must be {}", article(ty))));
                return;
            }
        }
        if let (Some(allowed), Some(text)) = (schema.get("enum").and_then(Value::as_array), value.as_str())
            && !allowed.iter().any(|a| a.as_str() == Some(text))
        {
            let names: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
            let listed = if names.len() > 12 {
                "the values listed in the API description".to_owned()
            } else {
                names.join(", ")
            };
            errors.push(error(field, &format!("must be one of {listed}")));
        }
        if let Some(text) = value.as_str() {
            self.check_text(text, schema, field, errors);
        }
        if let Some(number) = value.as_f64() {
            let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
            if let Some(min) = bound("minimum")
                && number < min
            {
                errors.push(error(field, &format!("must be at least {min}")));
            }
            if let Some(max) = bound("maximum")
                && number > max
            {
                errors.push(error(field, &format!("must be at most {max}")));
            }
            // `not: {enum: [...]}`: values excluded from a range (a delta of zero).
            if let Some(excluded) = schema.pointer("/not/enum").and_then(Value::as_array)
                && excluded.iter().any(|x| x.as_f64() == Some(number))
            {
                errors.push(error(field, &format!("must not be {number}")));
            }
        }
        if let Some(tag) = schema.pointer("/discriminator/propertyName").and_then(Value::as_str) {
            // A discriminated union: the member the tag names is checked, so failures are named
            // down to its fields; an unknown tag is named itself.
            let mapping = schema.pointer("/discriminator/mapping").and_then(Value::as_object);
            let member = value
                .get(tag)
                .and_then(Value::as_str)
                .and_then(|name| mapping?.get(name));
            match member {
                Some(reference) => self.check(value, &json!({ "$ref": reference }), field, errors),
                None => {
                    let names: Vec<&str> = mapping.into_iter().flatten().map(|(k, _)| k.as_str()).collect();
                    let at = if field.is_empty() {
                        tag.to_owned()
                    } else {
                        format!("{field}.{tag}")
                    };
                    errors.push(error(&at, &format!("must be one of {}", names.join(", "))));
                }
            }
            return;
        }
        if let Some(alternatives) = schema.get("oneOf").and_then(Value::as_array) {
            self.check_one_of(value, alternatives, field, errors);
        }
        match value {
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check(item, item_schema, &format!("{field}[{i}]"), errors);
                    }
                }
            }
            Value::Object(object) => {
                let properties = schema.get("properties").and_then(Value::as_object);
                let nested = |name: &str| {
                    if field.is_empty() {
                        name.to_owned()
                    } else {
                        format!("{field}.{name}")
                    }
                };
                for name in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
                    if let Some(name) = name.as_str()
                        && !object.contains_key(name)
                    {
                        errors.push(error(&nested(name), "is required"));
                    }
                }
                for (name, item) in object {
                    match properties.and_then(|p| p.get(name)) {
                        Some(property) => self.check(item, property, &nested(name), errors),
                        None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                            errors.push(error(&nested(name), "is not a field of this request"));
                        }
                        None => {}
                    }
                }
            }
            _ => {}
        }
    }
}

impl Contract {
    /// `minLength`, `maxLength` (in characters) and `pattern`. Patterns are read as Python's
    /// `re.search` reads them (the fuzzer's dialect): `$` also matches before one final
    /// newline, which the trimming checks behind it accept too.
    fn check_text(&self, text: &str, schema: &Value, field: &str, errors: &mut Vec<FieldError>) {
        if !text::is_storable(text) {
            errors.push(error(field, "must not contain NUL characters"));
            return;
        }
        let chars = text.chars().count();
        let length = |key: &str| schema.get(key).and_then(Value::as_u64).map(|n| n as usize);
        if let Some(min) = length("minLength")
            && chars < min
        {
            errors.push(error(field, &format!("must be at least {min} characters")));
        } else if let Some(max) = length("maxLength")
            && chars > max
        {
            errors.push(error(field, &format!("must be at most {max} characters")));
        } else if let Some(regex) = schema
            .get("pattern")
            .and_then(Value::as_str)
            .and_then(|p| self.patterns.get(p))
        {
            let fits = regex.is_match(text) || text.strip_suffix('\n').is_some_and(|t| regex.is_match(t));
            if !fits {
                errors.push(error(field, "is not in the expected form (see the API description)"));
            }
        }
    }

    /// Exactly one alternative must hold (e.g. a saved address or a new one, not both).
    fn check_one_of(&self, value: &Value, alternatives: &[Value], field: &str, errors: &mut Vec<FieldError>) {
        let fitting = alternatives
            .iter()
            .filter(|alt| self.type_errors(value, alt).is_empty())
            .count();
        if fitting == 1 {
            return;
        }
        let names: Vec<&str> = alternatives
            .iter()
            .filter_map(|alt| alt["required"][0].as_str())
            .collect();
        let prefix = if field.is_empty() {
            String::new()
        } else {
            format!("{field}.")
        };
        let (name, message) = match (fitting, names.as_slice()) {
            (0, [first, ..]) => (*first, format!("is required (or give {})", names[1..].join(" or "))),
            (_, [.., last]) => (*last, format!("give one of {}, not several", names.join(", "))),
            _ => ("body", "matches none of the allowed shapes".to_owned()),
        };
        errors.push(error(&format!("{prefix}{name}"), &message));
    }
}

fn error(field: &str, message: &str) -> FieldError {
    FieldError {
        field: if field.is_empty() {
            "body".to_owned()
        } else {
            field.to_owned()
        },
        message: message.to_owned(),
    }
}

fn article(ty: &str) -> String {
    match ty {
        "integer" => "an integer".to_owned(),
        "object" => "an object".to_owned(),
        "array" => "an array".to_owned(),
        other => format!("a {other}"),
    }
}
