//! The shared store conformance suite (feature `testing`).
//!
//! Every backend runs the same cases through the [`crate::Lms`] service. An adapter's
//! `tests/conformance.rs` defines an async fn that returns a fresh, empty store and invokes
//! [`crate::conformance_tests!`] once:
//!
//! ```text
//! async fn fresh_store() -> lms_sqlite::SqliteStore { /* a new empty database */ }
//! lms_core::conformance_tests!(fresh_store);
//! ```
//!
//! Each case becomes a `#[tokio::test]` named `conformance::<case>`, so one failure hides
//! nothing and `cargo test conformance` runs them all. The adapter needs `tokio` (with
//! `macros` and `rt-multi-thread`) as a dev-dependency.

mod clock;
pub mod conformance;
mod fixtures;
mod mail;
pub mod portability;
pub mod provider;

pub use clock::ManualClock;
pub use mail::{CommitCheckingMailer, link_token};

pub use fixtures::{ORG, OTHER, World, acme};

/// Stamps one `#[tokio::test]` per conformance case for a backend. The argument is the
/// name of an async fn in scope that returns a fresh, empty store; the tests go in a module
/// named `conformance`, or in the module named before a colon (`memory_conformance:
/// fresh_memory_store`) when one backend runs the suite in several modes.
#[macro_export]
macro_rules! conformance_tests {
    ($fresh_store:ident) => {
        $crate::conformance_tests!(conformance: $fresh_store);
    };
    ($module:ident : $fresh_store:ident) => {
        $crate::__conformance_cases!($module, $fresh_store;
            // One group per aggregate, from its file in lms-core/src/testing/conformance/.
            // Orgs (orgs.rs)
            creating_an_org_makes_the_caller_its_admin,
            org_slugs_are_unique,
            creating_an_org_needs_sign_in_and_a_valid_slug,
            a_host_can_keep_org_creation_to_itself,
            only_admins_change_an_org,
            an_org_brand_is_checked,
            // Memberships (members.rs)
            members_are_added_by_email,
            an_org_keeps_at_least_one_admin,
            members_list_paginates,
            // Users (users.rs)
            host_users_are_ensured_once_by_their_external_id,
            concurrent_first_sightings_make_one_user,
            existing_users_are_linked_to_the_hosts_id,
            importing_users_is_all_or_nothing,
            users_have_unique_normalized_emails,
            bad_user_input_writes_nothing,
            users_change_their_own_profile,
            // Courses (courses.rs): rows, status, price, drafts, the catalog, unparsable input
            unparsable_input_is_reported_after_the_policy,
            instructors_create_draft_courses,
            bad_course_input_writes_nothing,
            a_zero_price_makes_a_course_free,
            course_status_moves_only_forward,
            archived_courses_stay_open_to_their_learners_only,
            drafts_are_hidden_from_everyone_but_owner_and_admins,
            draft_listing_is_for_owners_and_admins,
            catalog_paginates,
            // Curriculum as authors edit it (curriculum.rs): modules, lessons, layout
            bad_curriculum_input_writes_nothing,
            modules_and_lessons_append_in_order,
            lesson_content_is_checked_per_kind,
            reorder_moves_lessons_between_modules,
            reorder_rejects_a_partial_layout_and_changes_nothing,
            only_owner_and_admins_edit_the_curriculum,
            deleting_curriculum_removes_progress_and_recounts,
            // A course's copy (duplication.rs)
            duplicating_a_course_copies_its_curriculum_and_none_of_its_learners,
            // An org's export (org_export.rs)
            an_org_exports_whole_in_the_formats_order_to_its_admins,
            exports_beyond_the_concurrent_limit_are_turned_away,
            // An operator's calls (operator.rs)
            an_operator_lists_every_org_and_exports_any,
            password_hashes_move_between_stores_and_never_show,
            // Curriculum as readers get it (curriculum_views.rs): outlines, lesson views
            outlines_never_carry_content,
            lesson_access_follows_enrollment_and_price,
            learners_never_receive_answer_keys,
            outline_caches_follow_changes_made_elsewhere,
            // Enrollments (enrollments.rs), bulk import included
            enrolling_by_id_reaches_only_the_orgs_people,
            enrolling_in_a_free_course,
            paid_courses_need_payment_or_an_admin,
            revoking_keeps_progress_and_only_staff_restore,
            only_admins_revoke,
            concurrent_enrollments_make_one_row,
            enrollments_list_is_for_managers_and_paginates,
            bulk_import_fills_rollups_like_live_writes,
            // Assignments (assignments.rs): files, submissions, grading, the drill-down
            an_assignment_goes_from_submission_to_a_passing_grade,
            submissions_are_checked_and_shown_to_whom_they_concern,
            learner_files_belong_to_their_uploader_and_lesson,
            learner_files_are_bounded_and_outlive_no_lesson,
            the_drill_down_shows_a_learner_to_managers_only,
            // Resume (resume.rs): video positions, lesson states, last activity
            a_video_resumes_at_the_last_position_written,
            lesson_states_are_the_learners_own,
            last_activity_follows_progress_and_attempts,
            // Release rules (release.rs): drip, dates, sequence, unlocks, prerequisites
            a_dripped_module_opens_when_the_clock_passes_it,
            an_unlock_opens_lessons_for_one_learner_only,
            a_lesson_that_requires_the_previous_opens_once_it_is_completed,
            free_previews_ignore_release_rules,
            release_rules_are_checked,
            prerequisites_hold_enrollment_until_completed,
            racing_prerequisite_changes_never_close_a_cycle,
            // Progress (progress.rs): lessons, rollups, completion, and races on them
            progress_never_goes_backwards,
            bad_progress_input_is_rejected,
            progress_needs_an_active_enrollment,
            completion_is_recorded_once,
            completion_stays_when_lessons_are_added,
            optional_lessons_do_not_count,
            next_lesson_and_unmet_reasons,
            making_the_last_missing_lesson_optional_completes,
            concurrent_progress_writes_keep_the_maximum,
            learner_writes_apply_only_on_the_facts_they_read,
            grades_are_decided_on_one_read_and_stored_with_the_learners_write,
            grading_answers_alike_on_either_path,
            rollups_match_a_recomputation,
            // Assessments (assessments.rs): quiz attempts
            quiz_attempts_are_graded_and_complete_the_lesson,
            quiz_attempts_are_limited,
            ill_typed_answers_score_zero,
            bad_attempts_are_rejected,
            attempts_store_only_answers_of_a_real_size,
            concurrent_attempts_respect_the_limit,
            // Certificates (certificates.rs)
            certificates_are_issued_once_on_completion,
            certificate_snapshot_survives_renames,
            concurrent_completion_paths_issue_one_certificate,
            revoking_the_enrollment_invalidates_the_certificate,
            // Reports (reports.rs), the dashboard included
            course_report_reads_rollups,
            org_report_summarizes_every_course,
            dashboard_lists_my_courses_with_progress,
            // Report charts and streamed exports (exports.rs)
            course_report_summary_charts_where_learners_stand,
            course_report_export_streams_every_enrollment,
            org_report_export_streams_every_course,
            // Discussions (discussions.rs): posts
            discussions_follow_the_course_rules,
            posting_is_rate_limited_per_user,
            // Events (events.rs): the outbox, notifications, the dispatcher
            changes_write_their_events_and_notifications,
            rolled_back_changes_leave_no_events,
            hidden_edited_and_deleted_posts_do_not_come_back,
            concurrent_events_are_dispatched_in_commit_order,
            // Payments (payments.rs): webhook events, the ledger, subscriptions, plans
            checkout_without_a_provider_is_not_configured,
            a_paid_event_applies_once_however_often_it_arrives,
            a_refund_revokes_access_and_keeps_progress,
            subscription_reports_never_move_backwards,
            the_membership_grace_ends_on_the_dot,
            // Lapsed memberships stored (memberships.rs)
            a_learner_whose_membership_lapsed_can_buy_the_course,
            an_admin_enrolls_a_learner_whose_membership_lapsed,
            the_sweep_stores_every_lapsed_membership,
            // Selling through a provider (selling.rs)
            checkouts_ask_the_provider_for_what_is_bought,
            webhooks_are_read_by_the_provider_and_applied_once,
            memberships_are_cancelled_through_the_provider,
            a_failed_effect_leaves_nothing_behind,
            admins_offer_a_membership_plan,
            // Accounts (accounts.rs): sessions and password hashes of the built-in sign-in
            auth_records_round_trip,
            one_time_tokens_work_once_and_only_in_time,
            sessions_are_listed_ended_and_purged_per_user,
            recent_tokens_are_counted_per_user_and_purpose,
            // Account mail (account_mail.rs): verification, new address, password reset
            verification_links_prove_the_address_once,
            a_new_address_replaces_the_old_once_proven,
            reset_links_go_only_to_accounts_with_a_password,
            // Invitations (invitations.rs): membership by consent
            an_invited_address_signs_up_then_accepts_with_the_token,
            admins_list_replace_and_revoke_invitations,
            verified_invitees_answer_in_the_app,
            members_leave_but_an_org_keeps_an_admin,
            invitations_per_org_are_limited_per_hour,
            invitations_lapse_with_their_senders_authority,
            // Erasure (erasure.rs): DELETE /me and Lms::delete_user
            erasing_an_account_keeps_the_records_without_the_person,
            the_last_admin_of_an_org_cannot_erase_their_account,
            erasing_an_account_cancels_its_renewing_plans,
            // Tenancy (tenancy.rs): cross-org isolation
            course_slugs_are_unique_per_org,
            courses_are_addressed_by_id_or_slug_within_their_org,
            // Races with a barrier (races.rs): what must happen once happens once
            first_payment_deliveries_race_to_one_enrollment,
            racing_posts_stay_within_the_limit,
            racing_completions_record_one_completion,
            // Isolation by id (isolation.rs): real ids of another course and another org
            ids_of_another_course_or_org_are_not_found,
            enrollments_are_revoked_only_in_their_course,
            an_admin_of_one_org_has_no_say_in_another,
            // The store as a whole (store.rs): transactions, health
            dropped_transactions_roll_back,
            health_pings_the_store,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($module:ident, $fresh_store:ident; $($case:ident),* $(,)?) => {
        mod $module {
            $(
                #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let store = super::$fresh_store().await;
                    $crate::testing::conformance::$case($crate::Lms::new(store)).await;
                }
            )*
        }
    };
}
