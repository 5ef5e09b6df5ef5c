//! What every `evo admin` command shares: the `--json` switch, naming the flag a refused
//! setting came from, and the words a store refusal is told in (the API's, from
//! `crate::error`).

use crate::domain::settings::SettingError;
use crate::store::StoreError;
use clap::Args;

#[derive(Debug, Args)]
pub struct Output {
    /// Print the created object as JSON instead of its id.
    #[arg(long)]
    pub json: bool,
}

/// `--flag must …`: a setting's refusal, with the flag it came from.
pub fn flag<T>(flag: &str, checked: Result<T, SettingError>) -> anyhow::Result<T> {
    checked.map_err(|e| anyhow::anyhow!("{flag} {e}"))
}

/// A store error in the words the API would use.
pub fn told(e: StoreError) -> anyhow::Error {
    anyhow::Error::new(crate::error::Error::from(e))
}
