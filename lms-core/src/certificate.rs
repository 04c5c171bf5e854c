//! Certificates of completion: issued once per (learner, course) when the course becomes
//! complete, with a snapshot of the names as they were, and a public verification code.

use crate::ids::{CourseId, OrgId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The characters of a code: digits and capitals without the ones that read alike
/// (`0`/`O`, `1`/`I`/`L`), so a code can be read aloud or typed from paper.
const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters per group and groups per code: 28 characters of 31 symbols carry
/// 28 × log2(31) ≈ 138.7 random bits.
const GROUP: usize = 4;
const GROUPS: usize = 7;

/// A certificate's verification code, e.g. `K7QM-2XPD-9HVA-TRC3-WN4E-BJ8F-GSYZ`: seven groups
/// of four characters from a 31-symbol alphabet without look-alikes, ≈ 138 random bits from
/// the operating system's CSPRNG. URL-safe as it is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
#[serde(transparent)]
pub struct CertificateCode(String);

impl CertificateCode {
    /// A fresh random code.
    ///
    /// ```
    /// let code = lms_core::CertificateCode::generate();
    /// assert_eq!(code.as_str().len(), 34);
    /// assert_eq!(lms_core::CertificateCode::parse(&code.as_str().to_lowercase()), Some(code));
    /// ```
    pub fn generate() -> Self {
        let mut symbols = String::with_capacity(GROUP * GROUPS);
        let mut bytes = [0u8; 64];
        while symbols.len() < GROUP * GROUPS {
            getrandom::fill(&mut bytes).expect("the operating system's random source is available");
            // Rejection sampling: bytes of 248 and above would make the first 8 symbols
            // likelier than the rest.
            let usable = bytes
                .iter()
                .filter(|b| **b < 248)
                .map(|b| ALPHABET[usize::from(*b % 31)] as char);
            symbols.extend(usable.take(GROUP * GROUPS - symbols.len()));
        }
        Self::grouped(&symbols)
    }

    /// Reads a code as a person may type it: any case, with or without the dashes or with
    /// spaces instead. `None` when it cannot be a code (wrong length or characters).
    pub fn parse(input: &str) -> Option<Self> {
        let symbols: String = input
            .chars()
            .filter(|c| *c != '-' && *c != ' ')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid =
            symbols.len() == GROUP * GROUPS && symbols.bytes().all(|b| ALPHABET.contains(&b));
        valid.then(|| Self::grouped(&symbols))
    }

    /// The canonical form, with dashes.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn grouped(symbols: &str) -> Self {
        let groups: Vec<&str> = (0..GROUPS)
            .map(|g| &symbols[g * GROUP..(g + 1) * GROUP])
            .collect();
        Self(groups.join("-"))
    }

    /// Wraps a code read back from a store, which only ever holds canonical codes.
    pub fn from_stored(code: String) -> Self {
        Self(code)
    }
}

impl fmt::Display for CertificateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a certificate stopped being valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// An admin revoked the learner's enrollment.
    EnrollmentRevoked,
    /// The course was refunded.
    Refunded,
    /// The learner erased their account.
    AccountDeleted,
}

impl RevocationReason {
    /// The reason as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EnrollmentRevoked => "enrollment_revoked",
            Self::Refunded => "refunded",
            Self::AccountDeleted => "account_deleted",
        }
    }

    /// Parses [`RevocationReason::as_str`]'s output.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "enrollment_revoked" => Some(Self::EnrollmentRevoked),
            "refunded" => Some(Self::Refunded),
            "account_deleted" => Some(Self::AccountDeleted),
            _ => None,
        }
    }
}

/// A certificate of completion. The names are a snapshot taken at issue time, so renaming
/// the learner, the course or the org later does not change what was certified. Never
/// deleted: revoking the enrollment marks it invalid, and reactivating it restores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Certificate {
    /// The public verification code.
    pub code: CertificateCode,
    /// The learner.
    pub user_id: UserId,
    /// The course.
    pub course_id: CourseId,
    /// The course's org.
    pub org_id: OrgId,
    /// The learner's name at issue time.
    pub learner_name: String,
    /// The course title at issue time.
    pub course_title: String,
    /// The org's name at issue time.
    pub org_name: String,
    /// When the course was completed and the certificate issued.
    pub issued_at: DateTime<Utc>,
    /// When it was revoked, if it is.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Why it was revoked, if it is.
    pub revoked_reason: Option<RevocationReason>,
}

impl Certificate {
    /// Whether the certificate currently certifies anything.
    pub fn is_valid(&self) -> bool {
        self.revoked_at.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_grouped_readable_and_distinct() {
        let codes: HashSet<String> = (0..1000).map(|_| CertificateCode::generate().0).collect();
        assert_eq!(codes.len(), 1000);
        for code in &codes {
            assert_eq!(code.len(), 34, "{code}");
            assert_eq!(code.matches('-').count(), 6, "{code}");
            assert!(!code.contains(['0', 'O', '1', 'I', 'L', 'l']), "{code}");
        }
    }

    #[test]
    fn every_symbol_of_the_alphabet_is_drawn() {
        let drawn: HashSet<char> = (0..200)
            .flat_map(|_| CertificateCode::generate().0.chars().collect::<Vec<_>>())
            .collect();
        assert_eq!(drawn.len(), ALPHABET.len() + 1, "31 symbols and the dash");
    }

    #[test]
    fn parsing_accepts_what_people_type_and_refuses_non_codes() {
        let code = CertificateCode::generate();
        let spaced = code.as_str().replace('-', " ").to_lowercase();
        assert_eq!(CertificateCode::parse(&spaced), Some(code.clone()));
        assert_eq!(
            CertificateCode::parse(&code.as_str().replace('-', "")),
            Some(code.clone())
        );
        assert_eq!(CertificateCode::parse(&code.as_str()[..20]), None);
        assert_eq!(
            CertificateCode::parse(&code.as_str().replacen(
                |c: char| c.is_ascii_alphanumeric(),
                "0",
                1
            )),
            None
        );
        assert_eq!(CertificateCode::parse("../../etc/passwd"), None);
        assert_eq!(
            CertificateCode::parse("ÄÄÄÄ-ÄÄÄÄ-ÄÄÄÄ-ÄÄÄÄ-ÄÄÄÄ-ÄÄÄÄ-ÄÄÄÄ"),
            None
        );
    }
}
