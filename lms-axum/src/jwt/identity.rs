//! Who verified claims describe: `sub` is the host's id for the user, and the configured
//! claims give their email (required, and refused unless the provider says it is verified,
//! or the configuration says its tokens only carry verified addresses) and name. Claims
//! the user may write themselves (Supabase's `user_metadata`) reach no store unclean: a
//! `sub` with control characters or white space at its ends is refused, control characters
//! are taken out of the name. Nothing here verifies a token or touches the store.

use super::config::ClaimNames;
use super::verify::Refusal;
use lms_core::validate::MAX_TITLE_CHARS;
use lms_core::{EmailAddress, ExternalUser};
use serde_json::Value;

/// What makes an email address count as verified.
#[derive(Clone, Copy, Debug)]
pub(super) struct Verification {
    /// Refuse addresses not said to be verified
    /// ([`super::JwtConfig::require_verified_email`]).
    pub(super) required: bool,
    /// No claim means verified ([`super::JwtConfig::email_verified_when_absent`]).
    pub(super) when_absent: bool,
}

/// The user `claims` describe, as [`lms_core::Lms::ensure_user`] takes them.
pub(super) fn external_user(
    claims: &Value,
    names: &ClaimNames,
    verification: Verification,
) -> Result<ExternalUser, Refusal> {
    let sub = match claims.get("sub") {
        Some(Value::String(sub)) if sub.trim().is_empty() => {
            return Err(Refusal::new("the token's `sub` claim is blank"));
        }
        // Taken exactly as it is: trimmed, `"u1 "` would sign in as `"u1"`.
        Some(Value::String(sub)) if sub.trim() != sub => {
            return Err(Refusal::new(
                "the token's `sub` claim starts or ends with white space",
            ));
        }
        Some(Value::String(sub)) if sub.chars().any(char::is_control) => {
            return Err(Refusal::new(
                "the token's `sub` claim has control characters",
            ));
        }
        Some(Value::String(sub)) => sub.as_str(),
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
    // Refused when required and not said to be verified; otherwise what the provider said
    // is stored as the user's `email_verified`.
    let email_verified = match verified(claims, &names.email_verified) {
        Ok(Some(true)) => true,
        Ok(Some(false)) if verification.required => {
            return Err(Refusal::new(format!(
                "the email address is not verified (`{}` is false)",
                names.email_verified
            )));
        }
        Ok(None) if verification.when_absent => true,
        Ok(None) if verification.required => {
            return Err(Refusal::new(format!(
                "the token has no `{}` claim: the email address must be known to be \
                 verified",
                names.email_verified
            )));
        }
        Err(refusal) if verification.required => return Err(refusal),
        Ok(_) | Err(_) => false,
    };
    let name = match claim(claims, &names.name) {
        Some(Value::String(name)) => one_line(name),
        _ => String::new(),
    };
    let name = if name.is_empty() {
        // No name, a blank one, or not a string: the email's local part stands in.
        email
            .as_str()
            .split('@')
            .next()
            .unwrap_or_default()
            .to_string()
    } else {
        name
    };
    let name = name.chars().take(MAX_TITLE_CHARS).collect();
    Ok(ExternalUser {
        external_id: sub.to_string(),
        email: email.into(),
        name,
        email_verified,
    })
}

/// `name` on one line: control characters (NUL, line breaks, tabs…) become one space
/// between the parts they separated, and white space at the ends goes.
fn one_line(name: &str) -> String {
    let parts: Vec<&str> = name
        .split(char::is_control)
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect();
    parts.join(" ")
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

    const REQUIRED: Verification = Verification {
        required: true,
        when_absent: false,
    };

    fn user(claims: Value, names: &ClaimNames) -> Result<ExternalUser, String> {
        external_user(&claims, names, REQUIRED).map_err(|refusal| refusal.0)
    }

    /// Claims of `ada@example.com`, verified, with these changes over them.
    fn ada_with(changes: Value) -> Value {
        let mut claims = json!({"sub": "u1", "email": "ada@example.com", "email_verified": true});
        for (name, value) in changes.as_object().unwrap() {
            claims[name] = value.clone();
        }
        claims
    }

    #[test]
    fn claims_make_the_user_and_missing_ones_are_named() {
        let names = ClaimNames::default();
        let ada = user(
            json!({"sub": "u1", "email": "Ada@Example.com", "email_verified": true,
                   "name": " Ada L "}),
            &names,
        );
        let expected = ExternalUser {
            external_id: "u1".into(),
            email: "ada@example.com".into(),
            name: "Ada L".into(),
            email_verified: true,
        };
        assert_eq!(ada, Ok(expected));
        // No name, a blank one or a null one: the email's local part.
        for name in [json!(null), json!("  "), json!(42)] {
            assert_eq!(
                user(ada_with(json!({"name": name})), &names).unwrap().name,
                "ada"
            );
        }
        let no_email = user(json!({"sub": "u1", "name": "Ada"}), &names).unwrap_err();
        assert!(no_email.contains("no `email` claim"), "{no_email}");
        let custom = ClaimNames::default().email("https://lms.example.com/email");
        let no_custom = user(ada_with(json!({})), &custom);
        assert!(
            no_custom
                .unwrap_err()
                .contains("`https://lms.example.com/email`")
        );
        let bad = user(ada_with(json!({"email": "not an address"})), &names);
        assert!(bad.unwrap_err().contains("not an email address"));
        let no_sub = user(
            json!({"email": "ada@example.com", "email_verified": true}),
            &names,
        );
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
    fn a_sub_is_taken_as_it_is_or_refused() {
        let names = ClaimNames::default();
        // Not trimmed into someone else's id: `"u1 "` is not `"u1"`.
        for padded in ["u1 ", " u1", "u1\n", "\u{a0}u1"] {
            let refused = user(ada_with(json!({"sub": padded})), &names).unwrap_err();
            assert!(refused.contains("white space"), "{padded:?}: {refused}");
        }
        for control in ["u\u{0}1", "u1\u{0}x", "u\u{1b}[31m1", "a\tb", "a\u{7f}b"] {
            let refused = user(ada_with(json!({"sub": control})), &names).unwrap_err();
            assert!(
                refused.contains("control characters"),
                "{control:?}: {refused}"
            );
        }
        for blank in ["", "   "] {
            let refused = user(ada_with(json!({"sub": blank})), &names).unwrap_err();
            assert!(refused.contains("`sub` claim is blank"), "{refused}");
        }
        let odd = user(ada_with(json!({"sub": 42})), &names).unwrap_err();
        assert!(odd.contains("not a user id"), "{odd}");
        // Inner spaces and any printable character are the provider's business.
        let id = user(ada_with(json!({"sub": "idp|Ada Lovelace é"})), &names).unwrap();
        assert_eq!(id.external_id, "idp|Ada Lovelace é");
    }

    #[test]
    fn control_characters_are_taken_out_of_the_name() {
        let names = ClaimNames::default();
        let name = |name: &str| user(ada_with(json!({"name": name})), &names).unwrap().name;
        assert_eq!(name("Ada\u{0}Lovelace"), "Ada Lovelace");
        assert_eq!(name("Ada\r\n  Lovelace\u{0}\u{0}"), "Ada Lovelace");
        assert_eq!(name("\u{1b}[2J Ada \u{7}"), "[2J Ada");
        assert_eq!(name("\tAda  L\u{9f}"), "Ada  L");
        // Nothing left: the email's local part.
        assert_eq!(name("\u{0}\n\t \u{0}"), "ada");
        let cut = name(&format!("\u{0}{}", "n".repeat(MAX_TITLE_CHARS + 5)));
        assert_eq!(cut, "n".repeat(MAX_TITLE_CHARS));
    }

    #[test]
    fn an_email_not_said_to_be_verified_is_refused_unless_allowed() {
        let names = ClaimNames::default();
        let trusting = Verification {
            required: true,
            when_absent: true,
        };
        let lenient = Verification {
            required: false,
            when_absent: false,
        };
        for unverified in [json!(false), json!("false")] {
            let claims = ada_with(json!({"email_verified": unverified}));
            let refused = external_user(&claims, &names, REQUIRED).unwrap_err().0;
            assert!(refused.contains("not verified"), "{refused}");
            // Trusting the provider for absent claims does not override one that says no.
            let refused = external_user(&claims, &names, trusting).unwrap_err().0;
            assert!(refused.contains("not verified"), "{refused}");
            assert!(external_user(&claims, &names, lenient).is_ok());
        }
        for verified in [json!(true), json!("true")] {
            let claims = ada_with(json!({"email_verified": verified}));
            assert!(external_user(&claims, &names, REQUIRED).is_ok());
        }
        // Absent (or null): refused, naming the claim, unless the configuration says the
        // provider only issues tokens for verified addresses.
        for absent in [
            json!({"sub": "u1", "email": "ada@example.com"}),
            ada_with(json!({"email_verified": null})),
        ] {
            let refused = external_user(&absent, &names, REQUIRED).unwrap_err().0;
            assert!(refused.contains("no `email_verified` claim"), "{refused}");
            assert!(external_user(&absent, &names, trusting).is_ok());
            assert!(external_user(&absent, &names, lenient).is_ok());
        }
        // A provider that writes it otherwise (Better Auth): the default name finds nothing.
        let camel = json!({"sub": "u1", "email": "ada@example.com", "emailVerified": false});
        let refused = external_user(&camel, &names, REQUIRED).unwrap_err().0;
        assert!(refused.contains("no `email_verified` claim"), "{refused}");
        let better_auth = ClaimNames::default().email_verified("emailVerified");
        let refused = external_user(&camel, &better_auth, REQUIRED).unwrap_err().0;
        assert!(refused.contains("(`emailVerified` is false)"), "{refused}");
        let odd = ada_with(json!({"email_verified": "yes"}));
        assert!(external_user(&odd, &names, REQUIRED).is_err());
    }

    #[test]
    fn long_names_are_cut_to_what_a_user_may_have() {
        let long = "n".repeat(MAX_TITLE_CHARS + 50);
        let name = user(ada_with(json!({"name": long})), &ClaimNames::default())
            .unwrap()
            .name;
        assert_eq!(name.chars().count(), MAX_TITLE_CHARS);
    }
}
