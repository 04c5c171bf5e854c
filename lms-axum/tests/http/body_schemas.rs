//! Bodies served, checked against the schemas the OpenAPI document gives them: what a code
//! generator builds from the document parses what the server sends.

use serde_json::{Value, json};

/// The served OpenAPI document, for checking response bodies against it.
pub struct Document(pub Value);

impl Document {
    /// What is wrong with `body` as the `status` answer of `method` `template` (the
    /// document's path), in words; empty when it matches. A status or operation the document
    /// does not list is itself an error.
    pub fn response_errors(
        &self,
        method: &str,
        template: &str,
        status: u16,
        body: &Value,
    ) -> Vec<String> {
        let operation = &self.0["paths"][template][method.to_lowercase()];
        let response = &operation["responses"][status.to_string()];
        let Some(schema) = response["content"]["application/json"].get("schema") else {
            return vec![format!(
                "the document has no JSON {status} answer for {method} {template}"
            )];
        };
        // The document's components as the root, so that its `#/components/…` references
        // resolve; the answer's schema under `allOf`.
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.0["components"],
            "allOf": [schema],
        });
        let validator = match jsonschema::validator_for(&root) {
            Ok(validator) => validator,
            Err(e) => {
                return vec![format!(
                    "the schema of {method} {template} {status} does not compile: {e}"
                )];
            }
        };
        validator
            .iter_errors(body)
            .map(|e| format!("{method} {template} {status} at {}: {e}", e.instance_path()))
            .collect()
    }
}
