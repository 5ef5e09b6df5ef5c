//! The Twilio carrier against a real carrier simulator on 127.0.0.1, over real HTTP; and the
//! simulator's own API and command, and the inbound messages it originates.

mod answers;
mod callbacks;
mod cli;
mod helpers;
mod inbound;
mod listing;
mod reconcile;
