//! Certificate routes: the learner's own and the public JSON verification (the PDF is in
//! `certificate_pdf`, feature `pdf`).

use super::paths::CoursePath;
use super::{Answer, ok};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::ClientErrors;
use crate::extract::ApiBase;
use axum::extract::{Path, State};
use lms_core::{Certificate, RevocationReason};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The caller's certificate of a course, and a certificate by its code as JSON and as a PDF.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_certificate))
        .routes(routes!(verify_certificate))
}

/// Where a person checks `certificate`: the front end's page when an app URL is configured,
/// else the API's public JSON.
pub(super) fn verification_url(s: &AppState, base: &ApiBase, certificate: &Certificate) -> String {
    let root = s.app_url.as_deref().unwrap_or(&base.0);
    format!("{root}/certificates/{}", certificate.code)
}

/// A certificate as the API shows it: the contract's fields plus links.
#[derive(Serialize, utoipa::ToSchema)]
struct CertificateView {
    code: String,
    valid: bool,
    /// Null once the learner erased their account.
    learner_name: Option<String>,
    course_title: String,
    org_name: String,
    issued_at: chrono::DateTime<chrono::Utc>,
    /// `enrollment_revoked`, `refunded` or `account_deleted` when not valid.
    revoked_reason: Option<RevocationReason>,
    verify_url: String,
    /// Absent when the server renders no PDFs (feature `pdf` off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pdf_url: Option<String>,
}

impl CertificateView {
    fn new(certificate: Certificate, s: &AppState, base: &ApiBase) -> Self {
        let verify_url = verification_url(s, base, &certificate);
        let pdf_url = format!("{}/certificates/{}/pdf", base.0, certificate.code);
        Self {
            code: certificate.code.to_string(),
            valid: certificate.is_valid(),
            pdf_url: cfg!(feature = "pdf").then_some(pdf_url),
            verify_url,
            learner_name: Some(certificate.learner_name).filter(|name| !name.is_empty()),
            course_title: certificate.course_title,
            org_name: certificate.org_name,
            issued_at: certificate.issued_at,
            revoked_reason: certificate.revoked_reason,
        }
    }
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/certificate",
    tag = "Certificates",
    params(CoursePath),
    responses((status = 200, description = "the caller's certificate (404 until the course is complete)", body = CertificateView), ClientErrors)
)]
async fn my_certificate(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    base: ApiBase,
    Path(path): Path<CoursePath>,
) -> Answer {
    let certificate = s.lms.certificate(&actor, path.course()).await?;
    ok(CertificateView::new(certificate, &s, &base))
}

#[utoipa::path(
    get,
    path = "/certificates/{code}",
    tag = "Certificates",
    params(("code" = String, Path, description = "the verification code (any case; dashes optional)")),
    responses((status = 200, description = "what the certificate says and whether it is valid", body = CertificateView), ClientErrors)
)]
async fn verify_certificate(
    State(s): State<AppState>,
    base: ApiBase,
    Path(code): Path<String>,
) -> Answer {
    let certificate = s.lms.verify_certificate(&code).await?;
    ok(CertificateView::new(certificate, &s, &base))
}
