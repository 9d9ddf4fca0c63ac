//! The hot path: decode arrow columns into plain vectors, intern ids into dense keys,
//! de-duplicate by event id, and fold rows into the accumulators (and the dbt tests' counters).
//!
//! Sits on `input`, `columns` and `rules` (for what a rule is and how a finding is counted);
//! knows nothing of ranking, reports or persistence.

pub(crate) mod aggregate;
pub(crate) mod dbt_rules;
pub(crate) mod decode;
pub(crate) mod event_keys;
pub(crate) mod explore;
pub(crate) mod keys;
pub(crate) mod merge;
pub(crate) mod pair_counts;
pub(crate) mod row_index;
pub(crate) mod rows;
