//! What the page is shown and what it chooses: the view models the worker builds (small,
//! whatever the data size) and the settings and table queries the page sends. Only these cross
//! from the worker to the page; `protocol.rs` wraps them in messages.

pub mod dashboard;
pub mod events;
pub mod settings;
pub mod status;
pub mod table;

pub use dashboard::*;
pub use events::*;
pub use settings::*;
pub use status::*;
pub use table::*;
