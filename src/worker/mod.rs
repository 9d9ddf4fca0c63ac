//! The analysis worker: what crosses between the page and the worker (`views/`, `protocol`), the
//! page's client, and the worker's side. Imports point down this list (`cargo xtask test`,
//! step `tidy`, checks it; ARCHITECTURE.md has the map):
//!
//! `views` < `protocol` < `event_loop` < `fetch/` (bytes by range or whole) < `storage/saved`
//! < `storage/store` < `shared` (the worker's state) < `shares/` (reading in shares on several
//! workers: `split` < `pool` < `serve`) < `read_inputs` (the read loop)
//! < `read_events` (event logs) < `storage/persist` < `host` (the message loop) < `client` (the page's side).

pub mod protocol;
pub mod storage;
pub mod views;

#[cfg(target_arch = "wasm32")]
pub mod client;
#[cfg(target_arch = "wasm32")]
pub mod event_loop;
pub mod fetch;
#[cfg(target_arch = "wasm32")]
pub mod host;
#[cfg(target_arch = "wasm32")]
pub mod read_events;
#[cfg(target_arch = "wasm32")]
pub mod read_inputs;
#[cfg(target_arch = "wasm32")]
pub mod shared;
pub mod shares;
