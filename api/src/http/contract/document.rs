//! Finishing poem-openapi's document: the request-body rules declared from the domain's
//! constants, closed bodies, bounded query parameters and links between operations.

use std::collections::HashMap;

use regex::Regex;
use serde_json::{Value, json};

use super::json_body_schema;
use crate::{
    domain::{
        address, checkout::IdempotencyKey, cms, email::Email, money::Money, pagination::PageRequest, password_policy,
        product_edit, promotion_edit, slug::Slug, stock, taxonomy, text,
    },
    services::cart::MAX_QUANTITY,
};

/// A request-body field's declared rule: schema name, property name, JSON Schema keywords.
pub(super) type FieldRule = (&'static str, &'static str, Value);

/// The rules of request-body fields, by schema and property, from the domain rules that check
/// them, so the spec declares exactly what the server enforces.
pub(super) fn field_rules() -> Vec<FieldRule> {
    let person = text::PERSON_NAME.schema();
    let password = password_policy::schema();
    let quantity = json!({ "minimum": 1, "maximum": MAX_QUANTITY });
    let mut tracking_url = text::TRACKING_URL.schema();
    tracking_url["pattern"] = json!(text::HTTP_URL_PATTERN);
    let money = json!({ "minimum": 0, "maximum": Money::MAX_MINOR });
    let slug = json!({ "minLength": 1, "maxLength": Slug::MAX_LEN, "pattern": Slug::PATTERN });
    let sku = json!({ "minLength": 1, "maxLength": 64, "pattern": product_edit::SKU_PATTERN });
    let mut tag = product_edit::TAG.schema();
    tag["type"] = json!("string");
    let tags = json!({ "maxItems": product_edit::MAX_TAGS, "items": tag });
    let mut link = cms::URL.schema();
    link["pattern"] = json!(cms::LINK_PATTERN);
    let mut list_item = cms::LIST_ITEM.schema();
    list_item["type"] = json!("string");
    let blocks = json!({ "maxItems": cms::MAX_BLOCKS });
    let mut rules = vec![
        (
            "HeadingBlockData",
            "level",
            json!({ "minimum": cms::HEADING_LEVELS.start(), "maximum": cms::HEADING_LEVELS.end() }),
        ),
        ("HeadingBlockData", "text", cms::HEADING_TEXT.schema()),
        ("ParagraphBlockInputData", "markdown", cms::MARKDOWN.schema()),
        ("ImageBlockData", "url", link.clone()),
        ("ImageBlockData", "alt", cms::ALT.schema()),
        ("ImageBlockData", "caption", cms::CAPTION.schema()),
        (
            "ListBlockData",
            "items",
            json!({ "minItems": 1, "maxItems": cms::MAX_ITEMS, "items": list_item }),
        ),
        (
            "FaqBlockData",
            "items",
            json!({ "minItems": 1, "maxItems": cms::MAX_ITEMS }),
        ),
        ("FaqEntry", "question", cms::QUESTION.schema()),
        ("FaqEntry", "answer", cms::ANSWER.schema()),
        ("CallToActionBlockData", "label", cms::LABEL.schema()),
        ("CallToActionBlockData", "url", link),
        ("NewAdminPage", "title", cms::TITLE.schema()),
        ("AdminPagePatch", "title", cms::TITLE.schema()),
        ("NewAdminPage", "slug", slug.clone()),
        ("AdminPagePatch", "slug", slug.clone()),
        ("NewAdminPage", "contentBlocks", blocks.clone()),
        ("AdminPagePatch", "contentBlocks", blocks),
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
        ("StockAdjustmentRequest", "reason", text::STOCK_REASON.schema()),
        (
            "StockAdjustmentRequest",
            "delta",
            json!({ "minimum": -stock::MAX_DELTA, "maximum": stock::MAX_DELTA, "not": { "enum": [0] } }),
        ),
        ("NewCartLine", "qty", quantity.clone()),
        ("NewAdminPromotion", "name", promotion_edit::NAME.schema()),
        ("AdminPromotionPatch", "name", promotion_edit::NAME.schema()),
        ("NewAdminPromotion", "description", promotion_edit::DESCRIPTION.schema()),
        (
            "AdminPromotionPatch",
            "description",
            promotion_edit::DESCRIPTION.schema(),
        ),
        (
            "NewAdminPromotion",
            "code",
            json!({ "pattern": promotion_edit::CODE_PATTERN }),
        ),
        (
            "AdminPromotionPatch",
            "code",
            json!({ "pattern": promotion_edit::CODE_PATTERN }),
        ),
        (
            "NewAdminPromotion",
            "discountValue",
            json!({ "minimum": 1, "maximum": Money::MAX_MINOR }),
        ),
        (
            "AdminPromotionPatch",
            "discountValue",
            json!({ "minimum": 1, "maximum": Money::MAX_MINOR }),
        ),
        ("NewAdminCategory", "name", taxonomy::NAME.schema()),
        ("AdminCategoryPatch", "name", taxonomy::NAME.schema()),
        ("NewAdminCollection", "name", taxonomy::NAME.schema()),
        ("AdminCollectionPatch", "name", taxonomy::NAME.schema()),
        ("NewAdminCategory", "description", taxonomy::DESCRIPTION.schema()),
        ("AdminCategoryPatch", "description", taxonomy::DESCRIPTION.schema()),
        ("NewAdminCollection", "description", taxonomy::DESCRIPTION.schema()),
        ("AdminCollectionPatch", "description", taxonomy::DESCRIPTION.schema()),
        ("NewAdminProduct", "title", product_edit::TITLE.schema()),
        ("AdminProductPatch", "title", product_edit::TITLE.schema()),
        ("NewAdminProduct", "slug", slug.clone()),
        ("AdminProductPatch", "slug", slug.clone()),
        ("NewAdminCategory", "slug", slug.clone()),
        ("AdminCategoryPatch", "slug", slug.clone()),
        ("NewAdminCollection", "slug", slug.clone()),
        ("AdminCollectionPatch", "slug", slug),
        ("NewAdminProduct", "description", product_edit::DESCRIPTION.schema()),
        ("AdminProductPatch", "description", product_edit::DESCRIPTION.schema()),
        ("NewAdminProduct", "price", money.clone()),
        ("AdminProductPatch", "price", money.clone()),
        ("NewAdminProduct", "salePrice", money.clone()),
        ("AdminProductPatch", "salePrice", money.clone()),
        ("NewAdminProduct", "tags", tags.clone()),
        ("AdminProductPatch", "tags", tags),
        ("NewAdminVariant", "sku", sku.clone()),
        ("AdminVariantPatch", "sku", sku),
        ("NewAdminVariant", "size", product_edit::SIZE.schema()),
        ("AdminVariantPatch", "size", product_edit::SIZE.schema()),
        ("NewAdminVariant", "color", product_edit::COLOR.schema()),
        ("AdminVariantPatch", "color", product_edit::COLOR.schema()),
        ("NewAdminVariant", "price", money.clone()),
        ("AdminVariantPatch", "price", money),
        (
            "NewAdminVariant",
            "inventoryCount",
            json!({ "minimum": 0, "maximum": stock::MAX_STOCK }),
        ),
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
pub(super) fn declare_field_rules(doc: &mut Value, rules: &[FieldRule]) {
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

/// poem-openapi writes each member of a discriminated union as an `allOf` of an object
/// holding the discriminator and a `$ref` to the member's own schema. Such a composition
/// cannot be closed with `additionalProperties: false` (each part would refuse the other's
/// fields) and client generators read a plain object best, so each member becomes one object:
/// the discriminator and the referenced schema's properties, the required fields of both. A
/// referenced schema nothing else uses is dropped.
pub(super) fn flatten_union_members(doc: &mut Value) {
    const PREFIX: &str = "#/components/schemas/";
    let schemas = doc["components"]["schemas"].as_object().cloned().unwrap_or_default();
    let target = |v: &Value| v.as_str().and_then(|r| r.strip_prefix(PREFIX)).map(str::to_owned);
    let members: Vec<String> = schemas
        .values()
        .filter_map(|s| s.pointer("/discriminator/mapping").and_then(Value::as_object))
        .flat_map(|mapping| mapping.values().filter_map(target))
        .collect();
    let mut absorbed = Vec::new();
    for name in members {
        let Some(parts) = schemas
            .get(&name)
            .and_then(|s| s.get("allOf"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        let mut flat = json!({ "type": "object", "properties": {}, "required": [] });
        for part in parts {
            let part = match part.get("$ref").and_then(target) {
                Some(referenced) => {
                    absorbed.push(referenced.clone());
                    schemas.get(&referenced).cloned().unwrap_or_default()
                }
                None => part.clone(),
            };
            if let Some(properties) = part.get("properties").and_then(Value::as_object) {
                for (key, property) in properties {
                    flat["properties"][key] = property.clone();
                }
            }
            for field in part.get("required").and_then(Value::as_array).into_iter().flatten() {
                if let Some(list) = flat["required"].as_array_mut() {
                    list.push(field.clone());
                }
            }
            if let Some(description) = part.get("description")
                && flat.get("description").is_none()
            {
                flat["description"] = description.clone();
            }
        }
        doc["components"]["schemas"][&name] = flat;
    }
    let text = doc.to_string();
    for name in absorbed {
        if !text.contains(&format!("\"{PREFIX}{name}\""))
            && let Some(schemas) = doc["components"]["schemas"].as_object_mut()
        {
            schemas.remove(&name);
        }
    }
}

/// Compiles every `pattern` in the document.
pub(super) fn collect_patterns(value: &Value, patterns: &mut HashMap<String, Regex>) {
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
pub(super) const LINKS: &[(&str, &str, &str, &str, &str, &str)] = &[
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
pub(super) fn add_links(doc: &mut Value) {
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

/// Declares `minimum`/`maximum` on the query parameters the server bounds, and the form of
/// the `Idempotency-Key` header.
pub(super) fn bound_parameters(doc: &mut Value) {
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
            if param["in"] == "header" && param["name"] == "Idempotency-Key" {
                let schema = &mut param["schema"];
                schema["minLength"] = 1.into();
                schema["maxLength"] = IdempotencyKey::MAX_LEN.into();
                schema["pattern"] = IdempotencyKey::PATTERN.into();
                continue;
            }
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

/// The component schemas a request body reaches, directly or through other schemas.
fn request_body_schemas(doc: &Value) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
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
    let schemas = &doc["components"]["schemas"];
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
    names
}

/// Sets `additionalProperties: false` on every object schema a request body reaches (the
/// request structs deny unknown fields; the spec says so).
pub(super) fn close_request_bodies(doc: &mut Value) {
    for name in request_body_schemas(doc) {
        // A discriminated union has no properties of its own: its members are closed instead.
        if let Some(schema) = doc["components"]["schemas"].get_mut(&name)
            && schema.get("type").and_then(Value::as_str) == Some("object")
            && schema.get("discriminator").is_none()
        {
            schema["additionalProperties"] = Value::Bool(false);
        }
    }
    // Multipart forms (uploads) are inline, and refuse parts they do not name too.
    for item in doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
    {
        for op in item.as_object_mut().into_iter().flat_map(|ops| ops.values_mut()) {
            if let Some(form) = op.pointer_mut("/requestBody/content/multipart~1form-data/schema")
                && form.get("type").and_then(Value::as_str) == Some("object")
            {
                form["additionalProperties"] = Value::Bool(false);
            }
        }
    }
}

/// Declares [`text::STORABLE_PATTERN`] (no NUL) on every string the API takes, in bodies and
/// parameters, that has no pattern, `enum` or `format` of its own: the server refuses NUL
/// there (422 in a body, 400 in a parameter), as no backend stores it alike.
pub(super) fn forbid_nul(doc: &mut Value) {
    fn declare(schema: &mut Value) {
        let Some(map) = schema.as_object_mut() else { return };
        let open_string = map.get("type").and_then(Value::as_str) == Some("string")
            && !["pattern", "enum", "format"].iter().any(|k| map.contains_key(*k));
        if open_string {
            map.insert("pattern".into(), text::STORABLE_PATTERN.into());
        }
        if let Some(properties) = map.get_mut("properties").and_then(Value::as_object_mut) {
            properties.values_mut().for_each(declare);
        }
        for key in ["items", "additionalProperties"] {
            if let Some(inner) = map.get_mut(key) {
                declare(inner);
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(parts) = map.get_mut(key).and_then(Value::as_array_mut) {
                parts.iter_mut().for_each(declare);
            }
        }
    }
    for name in request_body_schemas(doc) {
        if let Some(schema) = doc["components"]["schemas"].get_mut(&name) {
            declare(schema);
        }
    }
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
            declare(&mut param["schema"]);
        }
    }
}
