//! How long evo remembers things. Each window is a rule of its own, applied by the store's
//! rules as a cut-off; the SQL only compares.

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// An Idempotency-Key replays its first response for this long; after it, the key is free.
pub const IDEMPOTENCY_WINDOW_MS: i64 = DAY_MS;

/// A status callback for a sid no message holds yet (it outran the worker's write) is kept this
/// long, waiting for the sid to be recorded; then it is dropped.
pub const EARLY_CALLBACK_WINDOW_MS: i64 = 7 * DAY_MS;
