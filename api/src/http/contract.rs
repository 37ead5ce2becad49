//! The spec as served, and the HTTP rules read from it so that the server does what the spec
//! says: request bodies refuse unknown fields (`additionalProperties: false`), a body whose
//! JSON types differ from the declared ones (a `true` where a string is declared) is a 422
//! naming the field instead of being coerced, and a 405 says which methods the path has
//! (`Allow`).
//!
//! poem-openapi generates the spec from the code but has no attribute for
//! `additionalProperties: false` and coerces numbers and booleans into `String` fields, so
//! both are settled here, from the one generated document.

use std::collections::{BTreeSet, HashMap};

use poem::{
    Body, Endpoint, Request, Response,
    http::{HeaderValue, Method, StatusCode, header},
};
use regex::Regex;
use serde_json::{Map, Value, json};

use crate::{
    domain::{address, email::Email, money::Money, pagination::PageRequest, password_policy, text},
    http::problem::{FieldError, Problem},
    services::cart::MAX_QUANTITY,
};

/// The finished spec and what the middleware needs from it.
pub struct Contract {
    spec: String,
    schemas: Map<String, Value>,
    operations: Vec<Operation>,
    /// The declared patterns, compiled once.
    patterns: HashMap<String, Regex>,
}

struct Operation {
    /// Path segments; `None` stands for a `{parameter}`.
    segments: Vec<Option<String>>,
    method: Method,
    body: Option<Value>,
    /// Needs a bearer token: without one the operation answers 401 before reading the body.
    secured: bool,
}

impl Contract {
    /// Finishes poem-openapi's document and indexes its operations.
    pub fn new(generated: &str) -> Self {
        Self::with_rules(generated, &field_rules())
    }

    fn with_rules(generated: &str, rules: &[FieldRule]) -> Self {
        let mut doc: Value = serde_json::from_str(generated).expect("poem-openapi emits valid JSON");
        declare_field_rules(&mut doc, rules);
        close_request_bodies(&mut doc);
        bound_parameters(&mut doc);
        add_links(&mut doc);
        let schemas = doc["components"]["schemas"].as_object().cloned().unwrap_or_default();
        let mut operations = Vec::new();
        if let Some(paths) = doc["paths"].as_object() {
            for (path, item) in paths {
                let segments = path_segments(path);
                for (method, op) in item.as_object().into_iter().flatten() {
                    let Ok(method) = Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else {
                        continue;
                    };
                    let body = json_body_schema(op).cloned();
                    let secured = op
                        .get("security")
                        .and_then(Value::as_array)
                        .is_some_and(|s| !s.is_empty());
                    operations.push(Operation {
                        segments: segments.clone(),
                        method,
                        body,
                        secured,
                    });
                }
            }
        }
        let mut patterns = HashMap::new();
        collect_patterns(&doc, &mut patterns);
        Self {
            spec: serde_json::to_string_pretty(&doc).expect("a JSON value serialises"),
            schemas,
            operations,
            patterns,
        }
    }

    /// The document served at `/openapi.json` and committed as `openapi/openapi.json`.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    /// The operations whose path template fits `path`, literal segments preferred over
    /// parameters (`/cart/promo-code` over `/cart/{itemId}`).
    fn matching(&self, path: &str) -> Vec<&Operation> {
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let mut best: Option<(usize, Vec<&Operation>)> = None;
        for op in &self.operations {
            if op.segments.len() != parts.len() {
                continue;
            }
            let fits = op
                .segments
                .iter()
                .zip(&parts)
                .all(|(seg, part)| seg.as_deref().is_none_or(|literal| literal == *part));
            if !fits {
                continue;
            }
            let literals = op.segments.iter().filter(|s| s.is_some()).count();
            match &mut best {
                Some((score, ops)) if *score == literals => ops.push(op),
                Some((score, _)) if *score > literals => {}
                _ => best = Some((literals, vec![op])),
            }
        }
        best.map(|(_, ops)| ops).unwrap_or_default()
    }

    /// The body schema of the operation `method path`, when it takes JSON and is to be read:
    /// a secured operation called without credentials answers 401 first, whatever the body.
    fn body_schema(&self, method: &Method, path: &str, authorized: bool) -> Option<&Value> {
        self.matching(path)
            .into_iter()
            .find(|op| op.method == method)
            .filter(|op| authorized || !op.secured)
            .and_then(|op| op.body.as_ref())
    }

    /// `GET, POST`: the methods of the path, for `Allow`.
    fn allowed(&self, path: &str) -> Option<String> {
        let methods: BTreeSet<&str> = self.matching(path).iter().map(|op| op.method.as_str()).collect();
        (!methods.is_empty()).then(|| methods.into_iter().collect::<Vec<_>>().join(", "))
    }

    /// Where `value` breaks the declared types of `schema`: the field path and why.
    fn type_errors(&self, value: &Value, schema: &Value) -> Vec<FieldError> {
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

/// A request-body field's declared rule: schema name, property name, JSON Schema keywords.
type FieldRule = (&'static str, &'static str, Value);

/// The rules of request-body fields, by schema and property, from the domain rules that check
/// them, so the spec declares exactly what the server enforces.
fn field_rules() -> Vec<FieldRule> {
    let person = text::PERSON_NAME.schema();
    let password = password_policy::schema();
    let quantity = json!({ "minimum": 1, "maximum": MAX_QUANTITY });
    let mut tracking_url = text::TRACKING_URL.schema();
    tracking_url["pattern"] = json!(text::HTTP_URL_PATTERN);
    let mut rules = vec![
        ("RegisterRequest", "name", person.clone()),
        ("RegisterRequest", "email", Email::schema()),
        ("RegisterRequest", "password", password.clone()),
        ("ResetPasswordRequest", "password", password.clone()),
        ("ProfilePatch", "name", person.clone()),
        ("ProfilePatch", "newPassword", password),
        ("ContactRequest", "name", person),
        ("ContactRequest", "email", Email::schema()),
        ("ContactRequest", "subject", text::CONTACT_SUBJECT.schema()),
        ("ContactRequest", "message", text::CONTACT_MESSAGE.schema()),
        ("PlaceOrderRequest", "paymentMethod", text::PAYMENT_METHOD.schema()),
        ("OrderStatusChangeRequest", "carrier", text::CARRIER.schema()),
        (
            "OrderStatusChangeRequest",
            "trackingNumber",
            text::TRACKING_NUMBER.schema(),
        ),
        ("OrderStatusChangeRequest", "trackingUrl", tracking_url),
        ("OrderStatusChangeRequest", "note", text::STATUS_NOTE.schema()),
        ("NewCartLine", "qty", quantity.clone()),
        ("CartLinePatch", "qty", quantity),
    ];
    for (name, schema) in address::field_schemas() {
        rules.push(("NewAddress", name, schema.clone()));
        rules.push(("AddressPatch", name, schema.clone()));
        if name != "label" {
            rules.push(("NewShippingAddress", name, schema));
        }
    }
    rules
}

/// Merges [`field_rules`] into the schemas, and says that checkout takes a saved address or a
/// new one (`oneOf`).
fn declare_field_rules(doc: &mut Value, rules: &[FieldRule]) {
    let schemas = &mut doc["components"]["schemas"];
    for (schema, property, rule) in rules {
        let Some(target) = schemas
            .get_mut(schema)
            .and_then(|s| s.get_mut("properties"))
            .and_then(|p| p.get_mut(property))
            .and_then(Value::as_object_mut)
        else {
            panic!("field rule for {schema}.{property}, which the API does not have");
        };
        target.extend(rule.as_object().cloned().unwrap_or_default());
        // OpenAPI 3.0: a nullable enum lists null among its values.
        if target.get("nullable") == Some(&Value::Bool(true))
            && let Some(values) = target.get_mut("enum").and_then(Value::as_array_mut)
        {
            values.push(Value::Null);
        }
    }
    if let Some(order) = schemas.get_mut("PlaceOrderRequest").and_then(Value::as_object_mut) {
        order.insert(
            "oneOf".into(),
            json!([{ "required": ["shippingAddressId"] }, { "required": ["shippingAddress"] }]),
        );
    }
}

/// Compiles every `pattern` in the document.
fn collect_patterns(value: &Value, patterns: &mut HashMap<String, Regex>) {
    match value {
        Value::Object(map) => {
            if let Some(pattern) = map.get("pattern").and_then(Value::as_str)
                && !patterns.contains_key(pattern)
            {
                let regex = Regex::new(pattern).unwrap_or_else(|e| panic!("declared pattern {pattern}: {e}"));
                patterns.insert(pattern.to_owned(), regex);
            }
            map.values().for_each(|v| collect_patterns(v, patterns));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_patterns(v, patterns)),
        _ => {}
    }
}

/// How a response leads to the next operation (OpenAPI `links`), so clients and stateful
/// testers can chain them: (from operation, status, link name, to operation, parameter,
/// runtime expression).
const LINKS: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "createAddress",
        "201",
        "UpdateAddress",
        "updateAddress",
        "id",
        "$response.body#/id",
    ),
    (
        "createAddress",
        "201",
        "DeleteAddress",
        "deleteAddress",
        "id",
        "$response.body#/id",
    ),
    (
        "listAddresses",
        "200",
        "UpdateAddress",
        "updateAddress",
        "id",
        "$response.body#/items/0/id",
    ),
    (
        "listAddresses",
        "200",
        "DeleteAddress",
        "deleteAddress",
        "id",
        "$response.body#/items/0/id",
    ),
    (
        "addToCart",
        "200",
        "UpdateCartItem",
        "updateCartItem",
        "itemId",
        "$response.body#/items/0/id",
    ),
    (
        "addToCart",
        "200",
        "RemoveCartItem",
        "removeCartItem",
        "itemId",
        "$response.body#/items/0/id",
    ),
    (
        "getCart",
        "200",
        "UpdateCartItem",
        "updateCartItem",
        "itemId",
        "$response.body#/items/0/id",
    ),
    (
        "getCart",
        "200",
        "RemoveCartItem",
        "removeCartItem",
        "itemId",
        "$response.body#/items/0/id",
    ),
    (
        "placeOrder",
        "201",
        "GetOrder",
        "getMyOrder",
        "id",
        "$response.body#/id",
    ),
    (
        "placeOrder",
        "201",
        "CancelOrder",
        "cancelMyOrder",
        "id",
        "$response.body#/id",
    ),
    (
        "listMyOrders",
        "200",
        "GetOrder",
        "getMyOrder",
        "id",
        "$response.body#/items/0/id",
    ),
    (
        "listMyOrders",
        "200",
        "CancelOrder",
        "cancelMyOrder",
        "id",
        "$response.body#/items/0/id",
    ),
    (
        "adminListOrders",
        "200",
        "GetOrder",
        "adminGetOrder",
        "id",
        "$response.body#/items/0/id",
    ),
    (
        "adminListOrders",
        "200",
        "SetStatus",
        "adminSetOrderStatus",
        "id",
        "$response.body#/items/0/id",
    ),
    (
        "listProducts",
        "200",
        "GetProduct",
        "getProduct",
        "slug",
        "$response.body#/items/0/slug",
    ),
];

/// Adds [`LINKS`] to the responses they start from.
fn add_links(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    let ops = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    for op in ops {
        let Some(id) = op["operationId"].as_str().map(str::to_owned) else {
            continue;
        };
        for (_, status, name, target, param, expression) in LINKS.iter().filter(|l| l.0 == id) {
            let Some(response) = op["responses"].get_mut(*status).and_then(Value::as_object_mut) else {
                panic!("link from {id} {status}, which it does not answer");
            };
            let links = response.entry("links").or_insert_with(|| json!({}));
            links[*name] = json!({ "operationId": target, "parameters": { *param: expression } });
        }
    }
}

/// The range a query parameter is checked against, from the constants that check it
/// (`PageRequest`, `Money`): `(minimum, maximum)`.
fn parameter_bounds(name: &str) -> Option<(i64, Option<i64>)> {
    match name {
        "page" => Some((1, Some(PageRequest::MAX_PAGE as i64))),
        "limit" => Some((1, Some(PageRequest::MAX_LIMIT as i64))),
        "minPrice" | "maxPrice" => Some((0, Some(Money::MAX_MINOR))),
        "minTotal" => Some((0, None)),
        _ => None,
    }
}

/// Declares `minimum`/`maximum` on the query parameters the server bounds.
fn bound_parameters(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for op in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
    {
        for param in op
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let Some((min, max)) = param["name"].as_str().and_then(parameter_bounds) else {
                continue;
            };
            if param["in"] != "query" {
                continue;
            }
            let schema = &mut param["schema"];
            schema["minimum"] = min.into();
            if let Some(max) = max {
                schema["maximum"] = max.into();
            }
        }
    }
}

/// The schema of an operation's JSON body (`application/json`, with or without a charset).
fn json_body_schema(op: &Value) -> Option<&Value> {
    op.pointer("/requestBody/content")?
        .as_object()?
        .iter()
        .find(|(media_type, _)| media_type.starts_with("application/json"))
        .and_then(|(_, content)| content.get("schema"))
}

fn path_segments(template: &str) -> Vec<Option<String>> {
    template
        .trim_end_matches('/')
        .split('/')
        .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_owned()))
        .collect()
}

/// Sets `additionalProperties: false` on every object schema a request body reaches (the
/// request structs deny unknown fields; the spec says so).
fn close_request_bodies(doc: &mut Value) {
    let mut names = Vec::new();
    let mut stack: Vec<Value> = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for item in paths.values() {
            for op in item.as_object().into_iter().flatten().map(|(_, op)| op) {
                if let Some(schema) = json_body_schema(op) {
                    stack.push(schema.clone());
                }
            }
        }
    }
    let schemas = doc["components"]["schemas"].clone();
    while let Some(schema) = stack.pop() {
        if let Some(name) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
                stack.push(schemas[name].clone());
            }
            continue;
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            stack.extend(schema.get(key).and_then(Value::as_array).cloned().unwrap_or_default());
        }
        if let Some(items) = schema.get("items") {
            stack.push(items.clone());
        }
        stack.extend(
            schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| p.values().cloned().collect::<Vec<_>>())
                .unwrap_or_default(),
        );
    }
    for name in names {
        if let Some(schema) = doc["components"]["schemas"].get_mut(&name)
            && schema.get("type").and_then(Value::as_str) == Some("object")
        {
            schema["additionalProperties"] = Value::Bool(false);
        }
    }
}

/// Checks JSON bodies against their declared types before the operation parses them, and adds
/// `Allow` to 405 answers. `base_path` is stripped before matching.
pub async fn middleware<E: Endpoint>(
    next: E,
    mut req: Request,
    contract: &Contract,
    base_path: &str,
) -> poem::Result<Response> {
    let path = req.uri().path().to_owned();
    let api_path = path.strip_prefix(base_path).unwrap_or(&path).to_owned();
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    let authorized = req.headers().contains_key(header::AUTHORIZATION);
    if is_json && let Some(schema) = contract.body_schema(req.method(), &api_path, authorized) {
        let bytes = req.take_body().into_bytes().await?;
        // Malformed JSON is left to the operation, which answers 400 `malformed_json`.
        if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
            let errors = contract.type_errors(&value, schema);
            if !errors.is_empty() {
                let detail = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                return Ok(
                    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", detail)
                        .with_errors(errors)
                        .into_response(),
                );
            }
        }
        req.set_body(Body::from_bytes(bytes));
    }
    let mut resp = match next.call(req).await {
        Ok(resp) => poem::IntoResponse::into_response(resp),
        Err(err) => super::framework_errors::from_error(err),
    };
    if resp.status() == StatusCode::METHOD_NOT_ALLOWED
        && let Some(allow) = contract.allowed(&api_path)
        && let Ok(value) = HeaderValue::from_str(&allow)
    {
        resp.headers_mut().insert(header::ALLOW, value);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn contract() -> Contract {
        let doc = json!({
            "openapi": "3.0.0",
            "paths": {
                "/cart/{itemId}": {"patch": {"requestBody": {"content": {"application/json; charset=utf-8": {"schema": {"$ref": "#/components/schemas/Patch"}}}}}, "delete": {}},
                "/cart/promo-code": {"put": {}, "delete": {}}
            },
            "components": {"schemas": {
                "Patch": {"type": "object", "required": ["qty"], "properties": {
                    "qty": {"type": "integer"},
                    "note": {"type": "string", "nullable": true},
                    "kind": {"type": "string", "enum": ["a", "b"]},
                    "address": {"allOf": [{"$ref": "#/components/schemas/Address"}], "nullable": true}
                }},
                "Address": {"type": "object", "required": ["line1"], "properties": {"line1": {"type": "string"}}}
            }}
        });
        Contract::with_rules(&doc.to_string(), &[])
    }

    #[test]
    fn literal_segments_win_over_parameters() {
        let c = contract();
        assert_eq!(c.allowed("/cart/promo-code").as_deref(), Some("DELETE, PUT"));
        assert_eq!(c.allowed("/cart/123").as_deref(), Some("DELETE, PATCH"));
        assert_eq!(c.allowed("/nowhere"), None);
    }

    #[test]
    fn bounded_parameters_declare_the_domain_limits() {
        let doc = json!({"paths": {"/products": {"get": {"parameters": [
            {"name": "limit", "in": "query", "schema": {"type": "integer"}},
            {"name": "minTotal", "in": "query", "schema": {"type": "integer"}},
            {"name": "slug", "in": "path", "schema": {"type": "string"}}
        ]}}}});
        let c = Contract::with_rules(&doc.to_string(), &[]);
        let spec: Value = serde_json::from_str(c.spec()).unwrap();
        let params = &spec["paths"]["/products"]["get"]["parameters"];
        assert_eq!(params[0]["schema"]["minimum"], 1);
        assert_eq!(params[0]["schema"]["maximum"], PageRequest::MAX_LIMIT);
        assert_eq!(params[1]["schema"]["minimum"], 0);
        assert!(params[1]["schema"].get("maximum").is_none());
        assert!(params[2]["schema"].get("minimum").is_none());
    }

    #[test]
    fn an_untyped_body_takes_any_json() {
        let c = contract();
        assert!(c.type_errors(&Value::Null, &json!({})).is_empty());
    }

    #[test]
    fn links_name_operations_that_exist() {
        let ids: Vec<&str> = LINKS.iter().flat_map(|l| [l.0, l.3]).collect();
        let spec: Value = serde_json::from_str(include_str!("../../../openapi/openapi.json")).unwrap();
        let known: Vec<&str> = spec["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        for id in ids {
            assert!(known.contains(&id), "{id}");
        }
    }

    #[test]
    fn request_bodies_are_closed() {
        let c = contract();
        let doc: Value = serde_json::from_str(c.spec()).unwrap();
        assert_eq!(doc["components"]["schemas"]["Patch"]["additionalProperties"], false);
        assert_eq!(doc["components"]["schemas"]["Address"]["additionalProperties"], false);
    }

    #[test]
    fn wrong_types_name_their_field() {
        let c = contract();
        let schema = c.body_schema(&Method::PATCH, "/cart/1", true).unwrap().clone();
        let fields = |v: Value| {
            c.type_errors(&v, &schema)
                .into_iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
        };
        assert!(fields(json!({"qty": 2, "note": null, "address": null})).is_empty());
        assert_eq!(fields(json!({"qty": "2"})), ["qty: must be an integer"]);
        assert_eq!(fields(json!({"qty": 1, "note": true})), ["note: must be a string"]);
        assert_eq!(fields(json!({"qty": null})), ["qty: must not be null"]);
        assert_eq!(fields(json!({})), ["qty: is required"]);
        assert_eq!(fields(json!({"qty": 1, "kind": "c"})), ["kind: must be one of a, b"]);
        assert_eq!(
            fields(json!({"qty": 1, "address": {"line1": 5, "x": 1}})),
            [
                "address.line1: must be a string",
                "address.x: is not a field of this request"
            ]
        );
        assert_eq!(fields(json!([1])), ["body: must be an object"]);
    }
}
