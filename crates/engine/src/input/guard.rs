//! The panic boundary around the decoders of untrusted bytes (parquet, arrow-csv): a panic in
//! them becomes [`crate::Error::Decoder`], naming the input, the format, the panic's message and
//! where in the dependency it was raised.
//!
//! Builds whose panics unwind (native: the CLI, tests, fuzzing) catch the panic and return the
//! error. `wasm32-unknown-unknown` aborts on panic, so there nothing can be caught; but the
//! boundary still records which input and format it is decoding, and [`decoder_panic`] turns the
//! panic into the same error from a panic hook, before the abort. The web app's worker sends that
//! text to the page, so the page says what the CLI says.
//!
//! The default panic hook would print "thread 'main' panicked at ..." for a panic that is then
//! caught and reported as an error. So in unwinding builds the first boundary installs a hook
//! that records the message of a panic inside the boundary (for the error) and hands every other
//! panic to the hook that was there before.

use std::cell::RefCell;
use std::panic::PanicHookInfo;

use crate::Error;

thread_local! {
    /// The boundaries this thread is inside, innermost last: the input's name and format.
    static INSIDE: RefCell<Vec<(String, &'static str)>> = const { RefCell::new(Vec::new()) };
}

/// Runs `decode` on input `source_name` of `format` (`Parquet` or `CSV`); a panic inside it is
/// returned as [`Error::Decoder`] where panics unwind.
pub(crate) fn catch_decoder_panic<T>(
    source_name: &str,
    format: &'static str,
    decode: impl FnOnce() -> T,
) -> Result<T, Error> {
    let _inside = Inside::enter(source_name, format);
    imp::catch(decode).map_err(|message| Error::decoder(source_name, format, message))
}

/// The error a panic raised inside a decoder boundary stands for (what a native build returns
/// for it); `None` for a panic anywhere else. For panic hooks of builds that abort on panic.
pub fn decoder_panic(info: &PanicHookInfo<'_>) -> Option<Error> {
    let (source_name, format) = INSIDE
        .try_with(|inside| inside.try_borrow().ok()?.last().cloned())
        .ok()
        .flatten()?;
    Some(Error::decoder(&source_name, format, describe(info)))
}

/// Leaves the boundary even when `decode` unwinds.
struct Inside;

impl Inside {
    fn enter(source_name: &str, format: &'static str) -> Inside {
        INSIDE.with(|inside| inside.borrow_mut().push((source_name.to_owned(), format)));
        Inside
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        let _ = INSIDE.try_with(|inside| inside.borrow_mut().pop());
    }
}

#[cfg(panic = "unwind")]
fn is_inside() -> bool {
    INSIDE
        .try_with(|inside| inside.try_borrow().is_ok_and(|inside| !inside.is_empty()))
        .unwrap_or(false)
}

/// "message (at parquet-60.1.0/src/file/page.rs:12:5)": the path from the crate's folder on,
/// so the text is the same on every machine and can go into an upstream bug report.
fn describe(info: &PanicHookInfo<'_>) -> String {
    let message = payload_message(info.payload());
    match info.location() {
        Some(location) => format!(
            "{message} (at {}:{}:{})",
            short_path(location.file()),
            location.line(),
            location.column()
        ),
        None => message,
    }
}

fn payload_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-text payload".to_owned()
    }
}

/// Drops everything before the crate folder in a path under cargo's registry or a checkout.
fn short_path(path: &str) -> &str {
    let path_start = ["/registry/src/", "/git/checkouts/"]
        .iter()
        .find_map(|marker| path.find(marker).map(|at| at + marker.len()))
        .and_then(|after_marker| {
            // Skip the index folder (`index.crates.io-...`) to start at `crate-version/`.
            path[after_marker..]
                .find('/')
                .map(|slash| after_marker + slash + 1)
        });
    path_start.map_or(path, |start| &path[start..])
}

#[cfg(panic = "unwind")]
mod imp {
    use std::cell::RefCell;
    use std::panic::AssertUnwindSafe;
    use std::sync::Once;

    thread_local! {
        /// What the hook saw of the last panic inside a boundary.
        static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    static INSTALL_HOOK: Once = Once::new();

    pub(super) fn catch<T>(decode: impl FnOnce() -> T) -> Result<T, String> {
        INSTALL_HOOK.call_once(install_hook);
        // Unwind safety: the closures handed in here only read the input and build values
        // they return; a panic drops those half-built values and nothing outside is touched.
        std::panic::catch_unwind(AssertUnwindSafe(decode)).map_err(|payload| {
            CAUGHT
                .with(|caught| caught.borrow_mut().take())
                .unwrap_or_else(|| super::payload_message(payload.as_ref()))
        })
    }

    fn install_hook() {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if super::is_inside() {
                let _ =
                    CAUGHT.try_with(|caught| *caught.borrow_mut() = Some(super::describe(info)));
            } else {
                previous(info);
            }
        }));
    }
}

#[cfg(not(panic = "unwind"))]
mod imp {
    pub(super) fn catch<T>(decode: impl FnOnce() -> T) -> Result<T, String> {
        Ok(decode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_paths_start_at_the_crate_folder() {
        assert_eq!(
            short_path(
                "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/parquet-60.1.0/src/lib.rs"
            ),
            "parquet-60.1.0/src/lib.rs"
        );
        assert_eq!(
            short_path("crates/engine/src/read.rs"),
            "crates/engine/src/read.rs"
        );
    }

    #[cfg(panic = "unwind")]
    #[test]
    fn a_panic_becomes_the_decoder_error_with_its_location() {
        let caught = catch_decoder_panic("bad.parquet", "Parquet", || -> u32 {
            panic!("index out of bounds: 7")
        });
        let message = caught.unwrap_err().to_string();
        assert!(
            message.starts_with(
                "bad.parquet: the Parquet decoder failed on malformed data: index out of bounds: 7 (at "
            ),
            "{message}"
        );
        assert!(message.contains("guard.rs:"), "{message}");
        assert_eq!(catch_decoder_panic("x", "CSV", || 5).unwrap(), 5);
        assert!(!is_inside(), "the boundary is left after a panic");
    }
}
