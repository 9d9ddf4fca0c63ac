//! Reading one load's Parquet row groups on several workers (no `SharedArrayBuffer`): the
//! worker the page talks to (the coordinator) cuts the row groups into contiguous shares
//! (`coursepulse_engine::shares`, as the CLI's threads do), reads the first itself and starts
//! one nested worker per other share from its own script (so the lean and the full worker each
//! start their own kind). Each share worker gets its files' `File` handles or URLs (never their
//! bytes), reads its row groups by range, and sends back its analysis with its kept rows
//! (`Analysis::save_part`, the buffer transferred). The coordinator merges the parts in share
//! order and reads again the few rows whose samples only the merge found: the report is the
//! one-worker report exactly.
//!
//! `split` is the pure part (how many workers, which files a share needs, the messages),
//! tested natively; `pool` is the coordinator's side, `serve` the share worker's.

pub mod split;

#[cfg(target_arch = "wasm32")]
pub mod pool;
#[cfg(target_arch = "wasm32")]
pub mod serve;
