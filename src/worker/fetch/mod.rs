//! Reading bytes (worker only): local files and URLs by range (`file_chunks`), whole downloads
//! and manifests (`remote`), the one reader a load opens every input with (`input`), and how
//! failed requests are worded (`http`). Knows nothing of the analysis or the page.

pub mod file_chunks;
pub mod http;
pub mod input;
pub mod remote;
