//! Generates the client from the committed spec (`../openapi.json`) at every build, so it
//! cannot drift from it. progenitor cannot describe `multipart/form-data` bodies: those
//! operations are left out here and written by hand in `src/upload.rs`.

use std::{env, fs, path::Path};

fn main() {
    let spec_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi.json");
    // Relative to the package: a target directory shared by several checkouts of the workspace
    // then watches this checkout's spec, not the one that built it last.
    println!("cargo:rerun-if-changed=../openapi.json");
    let mut spec: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&spec_path).expect("read openapi.json")).expect("parse openapi.json");
    if let Some(paths) = spec.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for item in paths.values_mut() {
            if let Some(item) = item.as_object_mut() {
                item.retain(|_, op| op.pointer("/requestBody/content/multipart~1form-data").is_none());
            }
        }
        paths.retain(|_, item| item.as_object().is_some_and(|o| !o.is_empty()));
    }
    let spec: openapiv3::OpenAPI = serde_json::from_value(spec).expect("an OpenAPI 3.0 document");
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged);
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec)
        .expect("progenitor generates the client");
    let file = syn::parse2(tokens).expect("generated code parses");
    let out = Path::new(&env::var("OUT_DIR").unwrap()).join("codegen.rs");
    fs::write(out, prettyplease::unparse(&file)).expect("write the generated client");
}
