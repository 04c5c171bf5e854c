//! The white-label part of an org's settings, `settings.brand` (contract v2): the name,
//! colour and logo a front end shows for the org. The rest of `settings` is free-form and
//! the front end's own business; this part is checked, because front ends put it into their
//! pages — a colour into a stylesheet, a logo into an `<img>` every visitor loads.

use crate::error::ValidationErrors;
use crate::validate;
use serde_json::Value;

/// Checks `settings.brand`, when there is one, recording each problem in `errors` under
/// `settings.brand.<field>`, and stores its `logo_url` normalized. Every field may be absent
/// or null; other keys of `brand` are kept as they are.
///
/// - `display_name`: 1..=200 characters, one line ([`validate::title`]);
/// - `primary_color`: `#rrggbb`;
/// - `logo_url`: an `https://` URL ([`validate::https_url`]).
///
/// ```
/// use lms_core::brand::check_brand;
/// use lms_core::error::ValidationErrors;
/// use serde_json::json;
///
/// let mut settings = json!({"brand": {"primary_color": "#0B5CAD", "logo_url": "https://Cdn.example.com/logo.png"}});
/// let mut errors = ValidationErrors::default();
/// check_brand(&mut settings, &mut errors);
/// assert!(errors.is_empty());
/// assert_eq!(settings["brand"]["logo_url"], "https://cdn.example.com/logo.png");
///
/// let mut settings = json!({"brand": {"primary_color": "url(https://evil.example/x.png)"}});
/// check_brand(&mut settings, &mut errors);
/// assert_eq!(errors.0[0].field, "settings.brand.primary_color");
/// ```
pub fn check_brand(settings: &mut Value, errors: &mut ValidationErrors) {
    let Some(brand) = settings.get_mut("brand") else {
        return;
    };
    if brand.is_null() {
        return;
    }
    let Some(brand) = brand.as_object_mut() else {
        errors.add(
            "settings.brand",
            "must be an object with display_name, primary_color and logo_url",
        );
        return;
    };
    let mut text = |key: &str, check: &dyn Fn(&str) -> Result<Option<String>, String>| {
        let field = format!("settings.brand.{key}");
        match brand.get_mut(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(value)) => match check(value) {
                Ok(Some(normalized)) => *value = normalized,
                Ok(None) => {}
                Err(message) => errors.add(field, message),
            },
            Some(_) => errors.add(field, "must be a string or null"),
        }
    };
    text("display_name", &|v| validate::title(v).map(|()| None));
    text("primary_color", &|v| hex_color(v).map(|()| None));
    text("logo_url", &|v| validate::https_url(v).map(Some));
}

/// `#rrggbb`: the one colour form every front end can use as it is, in CSS or elsewhere.
fn hex_color(value: &str) -> Result<(), String> {
    let digits = value.strip_prefix('#').unwrap_or_default();
    if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err("must be a colour written #rrggbb, such as #0b5cad".into())
    }
}
