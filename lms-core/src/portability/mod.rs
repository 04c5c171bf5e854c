//! An org's data, portable: the records of the export format (`docs/export-format.md`)
//! and how the domain's values become them. [`crate::Lms::export_org`] writes them.

mod convert;
pub mod records;

pub use records::{FORMAT, Record, VERSION};
