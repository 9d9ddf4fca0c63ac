//! What the bytes are: format sniffing and content fingerprints, Parquet footers and row
//! groups, CSV, dataset paths and manifests, hive partitions in paths, and pruning by partition
//! values and statistics.
//!
//! Below every other folder but the leaves (`error`, `time`, `filter`): nothing here knows
//! about columns' roles, accumulators or reports. The code that drives a read into an
//! analysis lives in `analysis::read`.

pub(crate) mod csv;
pub(crate) mod dataset_paths;
pub(crate) mod guard;
pub(crate) mod metadata;
pub(crate) mod pages;
pub(crate) mod parquet;
pub(crate) mod partition;
pub(crate) mod prune;
pub(crate) mod schema_depth;
