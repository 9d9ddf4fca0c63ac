//! What a quality rule is: the built-in rules, severities, thresholds, findings and samples,
//! and the dbt `schema.yml` tests; how counted offences become a pass, warn or fail.
//!
//! Value types and evaluation of counts only: the rows are counted in `compute`, which is
//! why this folder sits below it.

pub(crate) mod dbt;
pub mod quality;
mod yaml_shape;
