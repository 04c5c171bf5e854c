//! `GET /certificates/{code}/pdf` (feature `pdf`): a certificate rendered by `lms-pdf`.

use super::certificates::verification_url;
use super::{Answer, QueryParams};
use crate::AppState;
use crate::error::ClientErrors;
use crate::extract::ApiBase;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use lms_core::{Certificate, LmsError, RevocationReason};
use lms_pdf::{CertificateDocument, PaperSize};
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(certificate_pdf))
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
    let verify_url = verification_url(&s, &base, &certificate);
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
        RevocationReason::AccountDeleted => "the learner erased their account",
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
