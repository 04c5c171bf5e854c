//! The HTTP API against the real router, on both stores: status codes, problem+json,
//! precedence, pagination, body limits, every route of the contract, and its document.
//!
//! One test binary; the cases live in the modules by area, and the two macros below make a
//! `sqlite::<case>` and a `postgres::<case>` test of each.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod api;
mod body_schemas;
mod built_in_auth;
mod certificates;
mod depth;
mod discussions;
mod every_route;
mod exports;
mod generated_client;
mod hardening;
mod host_auth;
mod invitations;
#[cfg(feature = "jwt")]
mod jwt;
mod learning;
mod openapi;
mod orgs;
mod payments;
mod requests;
mod restart;

use accounts::{
    a_forgotten_password_is_reset_once_by_mail, a_new_address_is_confirmed_by_password_and_link,
    account_routes_need_a_signed_in_built_in_user, changing_the_password_ends_the_other_sessions,
    deleting_my_account_erases_me, sessions_are_listed_and_ended,
    sign_up_mails_a_link_that_verifies,
};
use certificates::certificates_are_issued_verified_and_rendered;
use common::Backend;
use depth::learning_depth_end_to_end;
use discussions::lesson_discussions_over_http;
use exports::{an_org_exports_as_ndjson_to_its_admins, reports_export_as_csv_and_ndjson};
use invitations::{
    a_closed_sign_up_opens_to_an_invited_address, a_verified_invitee_answers_in_the_app,
    an_invited_address_signs_up_and_joins_with_the_link,
};
use learning::{
    a_learner_goes_through_a_course, concurrent_duplicate_enrollments_give_one_201,
    owners_enroll_others_and_admins_revoke,
};
use orgs::{
    creating_an_org_follows_the_contract, members_are_managed_by_admins,
    nobody_is_added_or_looked_up_by_id, removal_removes_and_revocation_holds,
};
use payments::{
    selling_without_a_provider_is_not_configured, stripe_webhooks_apply_once_in_any_order,
};
use requests::{
    bodies_over_one_mebibyte_are_refused, denials_come_before_input_errors, health_answers_ok,
    pages_and_parameters_are_checked,
};

on_both_stores!(
    health_answers_ok,
    creating_an_org_follows_the_contract,
    denials_come_before_input_errors,
    a_learner_goes_through_a_course,
    pages_and_parameters_are_checked,
    bodies_over_one_mebibyte_are_refused,
    members_are_managed_by_admins,
    nobody_is_added_or_looked_up_by_id,
    removal_removes_and_revocation_holds,
    concurrent_duplicate_enrollments_give_one_201,
    owners_enroll_others_and_admins_revoke,
    certificates_are_issued_verified_and_rendered,
    stripe_webhooks_apply_once_in_any_order,
    selling_without_a_provider_is_not_configured,
    lesson_discussions_over_http,
    learning_depth_end_to_end,
    reports_export_as_csv_and_ndjson,
    an_org_exports_as_ndjson_to_its_admins,
    sign_up_mails_a_link_that_verifies,
    a_forgotten_password_is_reset_once_by_mail,
    changing_the_password_ends_the_other_sessions,
    sessions_are_listed_and_ended,
    a_new_address_is_confirmed_by_password_and_link,
    account_routes_need_a_signed_in_built_in_user,
    deleting_my_account_erases_me,
    an_invited_address_signs_up_and_joins_with_the_link,
    a_verified_invitee_answers_in_the_app,
    a_closed_sign_up_opens_to_an_invited_address,
);

mod auth_on {
    macro_rules! auth_cases {
        ($store:ident, $backend:expr) => {
            mod $store {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sign_up_sign_in_and_sign_out() {
                    super::super::built_in_auth::sign_up_sign_in_and_sign_out($backend).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sign_in_attempts_are_limited() {
                    super::super::built_in_auth::sign_in_attempts_are_limited($backend).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn expired_sessions_are_refused() {
                    super::super::built_in_auth::expired_sessions_are_refused($backend).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sessions_in_use_slide_whatever_their_ttl() {
                    super::super::built_in_auth::sessions_in_use_slide_whatever_their_ttl($backend)
                        .await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn long_sessions_are_written_hourly_and_end_at_their_max_age() {
                    super::super::built_in_auth::long_sessions_are_written_hourly_and_end_at_their_max_age(
                        $backend,
                    )
                    .await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn clients_are_told_apart_by_peer_or_trusted_proxy() {
                    super::super::built_in_auth::clients_are_told_apart_by_peer_or_trusted_proxy(
                        $backend,
                    )
                    .await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn refused_attempts_leave_nothing_behind() {
                    super::super::built_in_auth::refused_attempts_leave_nothing_behind($backend)
                        .await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sign_up_is_not_an_unthrottled_cpu_sink() {
                    super::super::built_in_auth::sign_up_is_not_an_unthrottled_cpu_sink($backend)
                        .await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn the_limiter_does_not_lock_victims_out() {
                    super::super::built_in_auth::the_limiter_does_not_lock_victims_out($backend)
                        .await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sign_up_can_be_closed() {
                    super::super::built_in_auth::sign_up_can_be_closed($backend).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn a_host_with_its_own_auth_has_no_sign_in_routes() {
                    super::super::built_in_auth::a_host_with_its_own_auth_has_no_sign_in_routes(
                        $backend,
                    )
                    .await
                }
            }
        };
    }
    auth_cases!(sqlite, super::super::Backend::Sqlite);
    auth_cases!(postgres, super::super::Backend::Postgres);
}
