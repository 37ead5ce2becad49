//! The spec as served, and the HTTP rules read from it so that the server does what the spec
//! says: request bodies refuse unknown fields (`additionalProperties: false`), a body whose
//! JSON types differ from the declared ones (a `true` where a string is declared) is a 422
//! naming the field instead of being coerced, and a 405 says which methods the path has
//! (`Allow`).
//!
//! poem-openapi generates the spec from the code but has no attribute for
//! `additionalProperties: false` and coerces numbers and booleans into `String` fields, so
//! both are settled here, from the one generated document.
//!
//! `document` finishes the generated document; `check` holds a JSON value against a schema.

mod check;
mod document;

use std::collections::{BTreeSet, HashMap};

use poem::{
    Body, Endpoint, Request, Response,
    http::{HeaderValue, Method, StatusCode, header},
};
use regex::Regex;
use serde_json::{Map, Value};

use self::document::{FieldRule, field_rules};
use crate::http::problem::{FieldError, Problem};

/// The finished spec and what the middleware needs from it.
pub struct Contract {
    spec: String,
    schemas: Map<String, Value>,
    operations: Vec<Operation>,
    /// The declared patterns, compiled once.
    patterns: HashMap<String, Regex>,
}

struct Operation {
    id: String,
    /// Path segments; `None` stands for a `{parameter}`.
    segments: Vec<Option<String>>,
    /// The name of each `{parameter}` segment, by position.
    parameter_names: Vec<Option<String>>,
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
        document::flatten_union_members(&mut doc);
        document::declare_field_rules(&mut doc, rules);
        document::close_request_bodies(&mut doc);
        document::bound_parameters(&mut doc);
        document::forbid_nul(&mut doc);
        document::add_links(&mut doc);
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
                        id: op
                            .get("operationId")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        segments: segments.clone(),
                        parameter_names: path
                            .trim_end_matches('/')
                            .split('/')
                            .map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')).map(str::to_owned))
                            .collect(),
                        method,
                        body,
                        secured,
                    });
                }
            }
        }
        let mut patterns = HashMap::new();
        document::collect_patterns(&doc, &mut patterns);
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

    /// The `operationId` that `method path` (without the base path) is routed to, for the
    /// metrics: answers given before the operation runs (413, 422, 429) count under it too.
    pub fn operation_id(&self, method: &Method, path: &str) -> Option<&str> {
        self.matching(path)
            .into_iter()
            .find(|op| op.method == method)
            .map(|op| op.id.as_str())
            .filter(|id| !id.is_empty())
    }

    /// The parameter of `method path?query` that holds a NUL (`%00`), if any: a query
    /// parameter by its name, a path segment by its template name. A NUL can reach a URL only
    /// percent-encoded, so the raw text tells.
    fn nul_parameter(&self, method: &Method, path: &str, query: Option<&str>) -> Option<String> {
        // `%00` has no letters, so no case to fold.
        let has_nul = |raw: &str| raw.contains("%00");
        if let Some(pair) = query.into_iter().flat_map(|q| q.split('&')).find(|pair| has_nul(pair)) {
            let name = pair.split('=').next().unwrap_or_default();
            return Some(name.to_owned());
        }
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let position = parts.iter().position(|part| has_nul(part))?;
        let template = self
            .matching(path)
            .into_iter()
            .find(|op| op.method == method)
            .and_then(|op| op.parameter_names.get(position).cloned().flatten());
        Some(template.unwrap_or_else(|| "path".to_owned()))
    }

    /// `GET, POST`: the methods of the path, for `Allow`.
    fn allowed(&self, path: &str) -> Option<String> {
        let methods: BTreeSet<&str> = self.matching(path).iter().map(|op| op.method.as_str()).collect();
        (!methods.is_empty()).then(|| methods.into_iter().collect::<Vec<_>>().join(", "))
    }
}

/// The schema of an operation's JSON body (`application/json`, with or without a charset).
pub(super) fn json_body_schema(op: &Value) -> Option<&Value> {
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
    if let Some(parameter) = contract.nul_parameter(req.method(), &api_path, req.uri().query()) {
        let error = FieldError {
            field: parameter.clone(),
            message: "must not contain NUL characters".into(),
        };
        return Ok(Problem::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("{parameter}: must not contain NUL characters"),
        )
        .with_errors(vec![error])
        .into_response());
    }
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

    use super::{document::LINKS, *};
    use crate::domain::pagination::PageRequest;

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
        let spec: Value = serde_json::from_str(include_str!("../../../../openapi/openapi.json")).unwrap();
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
