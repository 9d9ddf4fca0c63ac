//! Keeping analyses between visits (full app only): the stored blob's format (`saved`, also
//! compiled natively for its tests), where it lives, OPFS or IndexedDB (`store`), and when it
//! is written, shown again and erased (`persist`).

pub mod saved;

#[cfg(target_arch = "wasm32")]
pub mod persist;
#[cfg(target_arch = "wasm32")]
pub mod store;
