//! Configurations `JwtAuth::new` refuses, each with a message that says what to set.

use super::*;

#[tokio::test]
async fn configurations_that_cannot_work_are_refused() {
    let lms = lms_on(Backend::Sqlite).await;
    let made = |config: JwtConfig| JwtAuth::new(lms.clone(), config).map(drop);
    let issuer = "https://auth.example.test";
    let hs256 = |secret: &[u8], issuer: &str| JwtConfig::hs256(secret, issuer).audience(AUDIENCE);
    let jwks = |url: &str| JwtConfig::jwks(url, issuer).audience(AUDIENCE);
    assert!(matches!(
        made(hs256(b"short", issuer)),
        Err(JwtConfigError::WeakSecret { bytes: 5 })
    ));
    assert!(matches!(
        made(hs256(SECRET, " ")),
        Err(JwtConfigError::EmptyIssuer)
    ));
    // No audience: the issuer's tokens for every other application would sign in. The
    // host must name this API's, or say outright that any will do.
    let no_audience = made(JwtConfig::hs256(SECRET, issuer)).unwrap_err();
    assert!(matches!(no_audience, JwtConfigError::NoAudience));
    let said = no_audience.to_string();
    assert!(
        said.contains("set the audience your provider puts in tokens for this API")
            && said.contains(".any_audience()"),
        "{said}"
    );
    assert!(made(JwtConfig::hs256(SECRET, issuer).any_audience()).is_ok());
    let both = JwtConfig::hs256(SECRET, issuer)
        .any_audience()
        .audience("lms");
    assert!(matches!(
        made(both),
        Err(JwtConfigError::AudienceAndAnyAudience)
    ));
    for insecure in [
        "http://auth.example.test/.well-known/jwks.json",
        "http://10.0.0.1/jwks.json",
        "ftp://localhost/jwks.json",
    ] {
        let refused = made(jwks(insecure));
        assert!(
            matches!(refused, Err(JwtConfigError::InsecureJwksUrl { .. })),
            "{insecure}"
        );
    }
    let unparsable = made(jwks("not a url"));
    assert!(matches!(
        unparsable,
        Err(JwtConfigError::InvalidJwksUrl { .. })
    ));
    for fine in [
        "https://auth.example.test/.well-known/jwks.json",
        "http://127.0.0.1:8080/jwks.json",
        "http://localhost/jwks.json",
        "http://[::1]:9999/jwks.json",
    ] {
        assert!(made(jwks(fine)).is_ok(), "{fine}");
    }
    // The secret stays out of logs.
    let printed = format!("{:?}", hs256(SECRET, issuer));
    assert!(!printed.contains("the-test-provider"), "{printed}");
}
