//! An org's data, portable: the records of the export format (`docs/export-format.md`),
//! how the domain's values become them ([`crate::Lms::export_org`] writes them), and how a
//! file reads back into checked values ([`Reader`], which an import builds on).

mod convert;
mod domain;
pub mod read;
pub mod records;
mod rules;
#[cfg(test)]
mod tests;

pub use read::{Deferred, ImportError, Reader};
pub use records::{FORMAT, Record, VERSION};
