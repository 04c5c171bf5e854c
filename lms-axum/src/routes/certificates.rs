//! Certificate routes: the learner's own, the public JSON verification, and the PDF.

use super::paths::CoursePath;
use super::{Answer, QueryParams, ok};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::ClientErrors;
use crate::extract::ApiBase;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use lms_core::{Certificate, LmsError, RevocationReason};
use lms_pdf::{CertificateDocument, PaperSize};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The caller's certificate of a course, and a certificate by its code as JSON and as a PDF.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_certificate))
        .routes(routes!(verify_certificate))
        .routes(routes!(certificate_pdf))
}

/// Where anyone checks `certificate`: its public JSON (the PDF is under it).
fn verification_url(base: &ApiBase, certificate: &Certificate) -> String {
    format!("{}/certificates/{}", base.0, certificate.code)
}

/// A certificate as the API shows it: the contract's fields plus links.
#[derive(Serialize, utoipa::ToSchema)]
struct CertificateView {
    code: String,
    valid: bool,
    learner_name: String,
    course_title: String,
    org_name: String,
    issued_at: chrono::DateTime<chrono::Utc>,
    /// `enrollment_revoked` or `refunded` when not valid.
    revoked_reason: Option<RevocationReason>,
    verify_url: String,
    pdf_url: String,
}

impl CertificateView {
    fn new(certificate: Certificate, base: &ApiBase) -> Self {
        let verify_url = verification_url(base, &certificate);
        Self {
            code: certificate.code.to_string(),
            valid: certificate.is_valid(),
            pdf_url: format!("{verify_url}/pdf"),
            verify_url,
            learner_name: certificate.learner_name,
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
    ok(CertificateView::new(certificate, &base))
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
    ok(CertificateView::new(certificate, &base))
}

#[utoipa::path(
    get,
    path = "/certificates/{code}/pdf",
    tag = "Certificates",
    params(("code" = String, Path, description = "the verification code"), ("paper" = Option<String>, Query, description = "`a4` (default) or `letter`")),
    responses((status = 200, description = "the certificate as a one-page landscape PDF", content_type = "application/pdf"), ClientErrors)
)]
async fn certificate_pdf(
    State(s): State<AppState>,
    base: ApiBase,
    Path(code): Path<String>,
    Query(query): QueryParams,
    headers: HeaderMap,
) -> Answer {
    let paper = match query
        .get("paper")
        .map(String::as_str)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("a4") => PaperSize::A4,
        Some("letter") => PaperSize::Letter,
        Some(_) => return Err(LmsError::Malformed("paper must be a4 or letter".into()).into()),
    };
    let certificate = s.lms.verify_certificate(&code).await?;
    let verify_url = verification_url(&base, &certificate);
    let filename = format!("inline; filename=\"certificate-{}.pdf\"", certificate.code);
    // ~5 ms of CPU: off the async workers.
    let pdf = tokio::task::spawn_blocking(move || render(&certificate, &verify_url, paper))
        .await
        .map_err(|e| {
            LmsError::Store(lms_core::StoreError::Backend(
                format!("rendering the PDF failed: {e}").into(),
            ))
        })?;
    // One certificate in one state always renders to the same bytes, so a hash of them is
    // a strong validator: clients and caches revalidate cheaply, and a revocation changes it.
    let digest: String = Sha256::digest(&pdf)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    let etag = format!("\"{digest}\"");
    let etag = HeaderValue::from_str(&etag).expect("a hex digest is a valid header value");
    let disposition =
        HeaderValue::from_str(&filename).expect("a canonical code is a valid header value");
    let common = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    if headers.get(header::IF_NONE_MATCH) == Some(&etag) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    let content_type = (
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    Ok((
        common,
        [content_type, (header::CONTENT_DISPOSITION, disposition)],
        pdf,
    )
        .into_response())
}

fn render(certificate: &Certificate, verify_url: &str, paper: PaperSize) -> Vec<u8> {
    let revoked_notice = certificate.revoked_reason.map(|reason| match reason {
        RevocationReason::EnrollmentRevoked => "the enrollment was revoked",
        RevocationReason::Refunded => "the course was refunded",
    });
    let document = CertificateDocument {
        learner_name: &certificate.learner_name,
        course_title: &certificate.course_title,
        org_name: &certificate.org_name,
        issued_at: certificate.issued_at,
        code: certificate.code.as_str(),
        verify_url,
        revoked_notice,
    };
    lms_pdf::render(&document, paper)
}
