//! The store conformance suite: what every store backend must do, written once against the
//! store traits and run for each backend by one `suite!` line. A case gets a fresh database
//! (`support::Db`) whose handles stand for separate processes sharing it, on a clock the case
//! moves. Races use two handles and real concurrency; nothing here reads SQL.

#[path = "../common/pg.rs"]
mod pg;

mod delivery;
mod messaging;
mod opt_outs;
mod races;
mod sessions;
mod support;
mod tenancy;

/// Instantiates every case for one backend: `suite!(name => factory)`, where `factory().await`
/// returns a fresh `support::Db` (or `None`: that backend's server is not there).
macro_rules! suite {
    ($backend:ident => $factory:path) => {
        mod $backend {
            cases!($factory;
                tenancy::accounts_customers_users_and_endpoints_are_created_as_asked,
                tenancy::emails_are_unique_regardless_of_case,
                tenancy::numbers_are_unique,
                tenancy::a_customer_parent_must_be_in_the_same_account,
                tenancy::every_id_outside_the_callers_accounts_is_not_found,
                tenancy::endpoint_updates_write_only_what_they_change,
                tenancy::credentials_and_logins_follow_the_clock,
                messaging::a_send_threads_into_one_conversation_and_session_per_address,
                messaging::a_send_is_refused_for_the_reasons_a_client_can_read,
                messaging::an_idempotency_key_replays_and_refuses_other_fields,
                messaging::an_idempotency_key_expires_after_its_window,
                messaging::a_replay_outside_the_callers_accounts_is_not_found,
                messaging::lists_page_filter_sort_and_count,
                messaging::read_state_marks_all_read_or_the_latest_incoming_unread,
                messaging::inbound_is_stored_once_and_only_for_the_signing_carrier_account,
                messaging::inbound_on_a_disabled_endpoint_is_dropped,
                sessions::a_session_ends_once_and_the_next_message_opens_another,
                sessions::sessions_list_by_filter_and_transcripts_read_in_order,
                opt_outs::stop_and_start_keywords_and_the_admin_calls_agree,
                opt_outs::help_is_answered_with_the_endpoints_text,
                delivery::a_claim_plans_each_row_and_records_the_attempt_with_it,
                delivery::each_outcome_settles_the_message_as_documented,
                delivery::an_unanswered_attempt_is_reconciled_on_the_next_claim,
                delivery::a_row_past_its_validity_is_planned_to_expire,
                delivery::pacing_defers_rows_beyond_the_horizon_unleased,
                delivery::callbacks_in_any_order_only_move_forward,
                delivery::an_early_callback_waits_for_its_sid,
                delivery::a_carrier_account_moves_only_its_own_accounts_messages,
                delivery::a_carrier_sid_belongs_to_one_message,
                delivery::a_batch_of_outcomes_answers_for_each_row,
                delivery::expired_keys_and_callbacks_are_purged,
                races::one_idempotency_key_raced_from_two_processes_makes_one_message,
                races::one_inbound_sid_raced_from_two_processes_is_stored_once,
                races::no_row_is_held_by_two_live_leases,
                races::a_lease_holder_that_lost_its_lease_changes_nothing,
                races::racing_callbacks_never_move_a_status_back,
                races::racing_user_creations_of_one_email_make_one_user,
                races::a_conversation_raced_into_from_two_processes_has_one_open_session,
            );
        }
    };
}

macro_rules! cases {
    ($factory:path; $($module:ident :: $case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                // A backend whose server is absent skips (saying so once), unless CI requires it.
                if let Some(db) = $factory().await {
                    crate::$module::$case(db).await;
                }
            }
        )*
    };
}

suite!(sqlite => crate::support::sqlite);
suite!(postgres => crate::support::postgres);
