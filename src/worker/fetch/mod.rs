//! Reading bytes (worker only, but for `http_checks`, pure and tested natively): local files and
//! URLs by range (`file_chunks`), whole downloads and manifests (`remote`), the one reader a load
//! opens every input with (`input`), how failed requests are worded (`http`), and the checks on
//! HTTP answers (`http_checks`). Knows nothing of the analysis or the page.

pub mod http_checks;

#[cfg(target_arch = "wasm32")]
pub mod file_chunks;
#[cfg(target_arch = "wasm32")]
pub mod http;
#[cfg(target_arch = "wasm32")]
pub mod input;
#[cfg(target_arch = "wasm32")]
pub mod remote;
