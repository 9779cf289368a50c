//! Runs Cloudflare Workflows JavaScript and TypeScript on Endure's engine.
pub mod config;
pub mod modules;
pub mod transpile;
