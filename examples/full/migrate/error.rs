//! What stops a move, and what to do about it.

use lms::LmsError;

/// Why orgs did not move, or moved without being verified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// An org named to move is not in the source.
    #[error("the source holds no org '{slug}' (it holds: {})", list(held))]
    NotInSource {
        /// The slug asked for.
        slug: String,
        /// What the source holds.
        held: Vec<String>,
    },
    /// Orgs to move are in the target already; nothing moved.
    #[error(
        "the target already holds {}: an org moves into a store that does not hold it (name the \
         others with --org, or drop these from the target first)",
        list(.0)
    )]
    AlreadyInTarget(Vec<String>),
    /// The org's import failed: the target holds nothing of it.
    #[error(
        "{slug} did not move: {error}. The target holds nothing of it{}",
        leftovers(uploads_left)
    )]
    NotMoved {
        /// The org.
        slug: String,
        /// Why the import failed (the line it stopped at, for a refused record).
        error: LmsError,
        /// Uploads copied to the target's media store that could not be removed again.
        uploads_left: Vec<String>,
    },
    /// The org moved, but the target does not answer as the source does.
    #[error(
        "{slug} moved, but the target differs from the source: {what}. Drop the org from the \
         target and move it again; if it differs again, please report it"
    )]
    Unverified {
        /// The org.
        slug: String,
        /// What differs.
        what: String,
    },
    /// A store failed outside an import (listing orgs, reading for a check).
    #[error(transparent)]
    Store(#[from] LmsError),
}

fn list(slugs: &[String]) -> String {
    match slugs {
        [] => "none".into(),
        slugs => slugs.join(", "),
    }
}

fn leftovers(uploads: &[String]) -> String {
    match uploads {
        [] => String::new(),
        keys => format!(
            " but {} copied uploads it could not delete from its media store: {}",
            keys.len(),
            keys.join(", ")
        ),
    }
}
