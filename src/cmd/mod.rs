//! Subcommands of the `implicit-bias` binary that live in their own files.

pub mod run;
pub mod signals;
pub mod which_norm;
