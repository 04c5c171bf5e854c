//! The conformance cases, one module per aggregate. Each case takes an [`crate::Lms`] on a
//! fresh, empty store; the modules' cases are re-exported here, where
//! [`crate::conformance_tests!`] finds them.
#![allow(missing_docs)]

mod account_mail;
mod accounts;
mod assessments;
mod assignments;
mod certificates;
mod courses;
mod curriculum;
mod curriculum_views;
mod discussions;
mod duplication;
mod enrollments;
mod erasure;
mod events;
mod exports;
mod grading;
mod helpers;
mod invitations;
mod isolation;
mod members;
mod memberships;
mod optimistic;
mod orgs;
mod payments;
mod progress;
mod races;
mod release;
mod reports;
mod resume;
mod selling;
mod store;
mod tenancy;
mod users;

pub use account_mail::*;
pub use accounts::*;
pub use assessments::*;
pub use assignments::*;
pub use certificates::*;
pub use courses::*;
pub use curriculum::*;
pub use curriculum_views::*;
pub use discussions::*;
pub use duplication::*;
pub use enrollments::*;
pub use erasure::*;
pub use events::*;
pub use exports::*;
pub use grading::*;
pub use invitations::*;
pub use isolation::*;
pub use members::*;
pub use memberships::*;
pub use optimistic::*;
pub use orgs::*;
pub use payments::*;
pub use progress::*;
pub use races::*;
pub use release::*;
pub use reports::*;
pub use resume::*;
pub use selling::*;
pub use store::*;
pub use tenancy::*;
pub use users::*;
