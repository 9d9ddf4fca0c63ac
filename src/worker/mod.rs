//! The analysis worker: its message protocol (shared), the page's client, and the worker's host.

pub mod protocol;

#[cfg(target_arch = "wasm32")]
pub mod client;
#[cfg(target_arch = "wasm32")]
pub mod file_chunks;
#[cfg(target_arch = "wasm32")]
pub mod host;
