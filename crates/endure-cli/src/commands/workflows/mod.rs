//! `endure workflows <verb>`: the workflow commands.

pub mod delete;
pub mod describe;
pub mod list;
pub mod trigger;
