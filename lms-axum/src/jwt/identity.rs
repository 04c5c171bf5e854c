//! Who verified claims describe: `sub` is the host's id for the user, and the configured
//! claims give their email (required, and refused when the provider says it is unverified,
//! unless told otherwise) and name. Nothing here verifies a token or touches the store.

use super::config::ClaimNames;
use super::verify::Refusal;
use lms_core::validate::MAX_TITLE_CHARS;
use lms_core::{EmailAddress, ExternalUser};
use serde_json::Value;

/// The user `claims` describe, as [`lms_core::Lms::ensure_user`] takes them.
pub(super) fn external_user(
    claims: &Value,
    names: &ClaimNames,
    require_verified_email: bool,
) -> Result<ExternalUser, Refusal> {
    let sub = match claims.get("sub") {
        Some(Value::String(sub)) if !sub.trim().is_empty() => sub.trim(),
        Some(_) => return Err(Refusal::new("the token's `sub` claim is not a user id")),
        None => return Err(Refusal::new("the token has no `sub` claim")),
    };
    let email = match claim(claims, &names.email) {
        Some(Value::String(email)) => EmailAddress::parse(email).map_err(|_| {
            Refusal::new(format!(
                "the token's `{}` claim is not an email address",
                names.email
            ))
        })?,
        Some(_) => {
            let why = format!(
                "the token's `{}` claim is not an email address",
                names.email
            );
            return Err(Refusal::new(why));
        }
        None => {
            return Err(Refusal::new(format!(
                "the token has no `{}` claim: the user's email address is needed",
                names.email
            )));
        }
    };
    if require_verified_email && verified(claims, &names.email_verified)? == Some(false) {
        return Err(Refusal::new(format!(
            "the email address is not verified (`{}` is false)",
            names.email_verified
        )));
    }
    let name = match claim(claims, &names.name) {
        Some(Value::String(name)) if !name.trim().is_empty() => name.trim(),
        // No name, or not a string: the email's local part stands in.
        _ => email.as_str().split('@').next().unwrap_or_default(),
    };
    let name = name.chars().take(MAX_TITLE_CHARS).collect();
    Ok(ExternalUser {
        external_id: sub.to_string(),
        email: email.into(),
        name,
    })
}

/// A top-level claim, or a nested one when `name` is a JSON Pointer (`/a/b`). Null is
/// absent.
fn claim<'a>(claims: &'a Value, name: &str) -> Option<&'a Value> {
    let value = if name.starts_with('/') {
        claims.pointer(name)
    } else {
        claims.get(name)
    };
    value.filter(|value| !value.is_null())
}

/// `Some(verified)` when the claim says, `None` when it is absent. Some providers
/// (Cognito) send the strings `"true"` and `"false"`.
fn verified(claims: &Value, name: &str) -> Result<Option<bool>, Refusal> {
    match claim(claims, name) {
        None => Ok(None),
        Some(Value::Bool(verified)) => Ok(Some(*verified)),
        Some(Value::String(text)) if text == "true" => Ok(Some(true)),
        Some(Value::String(text)) if text == "false" => Ok(Some(false)),
        Some(_) => Err(Refusal::new(format!(
            "the token's `{name}` claim is neither true nor false"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(claims: Value, names: &ClaimNames) -> Result<ExternalUser, String> {
        external_user(&claims, names, true).map_err(|refusal| refusal.0)
    }

    #[test]
    fn claims_make_the_user_and_missing_ones_are_named() {
        let names = ClaimNames::default();
        let ada = user(
            json!({"sub": "u1", "email": "Ada@Example.com", "name": " Ada L "}),
            &names,
        );
        let expected = ExternalUser {
            external_id: "u1".into(),
            email: "ada@example.com".into(),
            name: "Ada L".into(),
        };
        assert_eq!(ada, Ok(expected));
        // No name, a blank one or a null one: the email's local part.
        for name in [json!(null), json!("  "), json!(42)] {
            let claims = json!({"sub": "u1", "email": "ada@example.com", "name": name});
            assert_eq!(user(claims, &names).unwrap().name, "ada");
        }
        let no_email = user(json!({"sub": "u1", "name": "Ada"}), &names).unwrap_err();
        assert!(no_email.contains("no `email` claim"), "{no_email}");
        let custom = ClaimNames::default().email("https://lms.example.com/email");
        let no_custom = user(json!({"sub": "u1", "email": "ada@example.com"}), &custom);
        assert!(
            no_custom
                .unwrap_err()
                .contains("`https://lms.example.com/email`")
        );
        let bad = user(json!({"sub": "u1", "email": "not an address"}), &names);
        assert!(bad.unwrap_err().contains("not an email address"));
        let no_sub = user(json!({"email": "ada@example.com"}), &names);
        assert!(no_sub.unwrap_err().contains("`sub`"));
    }

    #[test]
    fn nested_claims_are_read_by_pointer() {
        let names = ClaimNames::default()
            .name("/user_metadata/full_name")
            .email_verified("/user_metadata/email_verified");
        let claims = json!({
            "sub": "u1", "email": "ada@example.com",
            "user_metadata": {"full_name": "Ada Lovelace", "email_verified": true}
        });
        assert_eq!(user(claims, &names).unwrap().name, "Ada Lovelace");
    }

    #[test]
    fn an_unverified_email_is_refused_unless_allowed() {
        let names = ClaimNames::default();
        for unverified in [json!(false), json!("false")] {
            let claims =
                json!({"sub": "u1", "email": "ada@example.com", "email_verified": unverified});
            let refused = external_user(&claims, &names, true).unwrap_err().0;
            assert!(refused.contains("not verified"), "{refused}");
            assert!(external_user(&claims, &names, false).is_ok());
        }
        for verified in [json!(true), json!("true"), json!(null)] {
            let claims =
                json!({"sub": "u1", "email": "ada@example.com", "email_verified": verified});
            assert!(external_user(&claims, &names, true).is_ok());
        }
        let odd = json!({"sub": "u1", "email": "ada@example.com", "email_verified": "yes"});
        assert!(external_user(&odd, &names, true).is_err());
    }

    #[test]
    fn long_names_are_cut_to_what_a_user_may_have() {
        let long = "n".repeat(MAX_TITLE_CHARS + 50);
        let claims = json!({"sub": "u1", "email": "ada@example.com", "name": long});
        let name = user(claims, &ClaimNames::default()).unwrap().name;
        assert_eq!(name.chars().count(), MAX_TITLE_CHARS);
    }
}
