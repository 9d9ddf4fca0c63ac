//! Shared by the fuzz targets: options that exercise several batches, and a record of caught
//! decoder panics (dependency bugs to report upstream) when `COURSEPULSE_FUZZ_PANICS` names a
//! directory: one input and message per distinct panic location.

use std::hash::{Hash, Hasher};

use coursepulse_engine::{Error, Options};

/// Small batches, so that a few hundred rows already make several.
pub fn options() -> Options {
    Options {
        batch_size: 64,
        now_micros: Some(1_767_225_600_000_000),
        ..Options::default()
    }
}

/// Saves the input of a caught decoder panic, once per panic location.
pub fn record_decoder_panic(error: &Error, input: &[u8]) {
    let Error::Decoder { message, .. } = error else {
        return;
    };
    let Some(directory) = std::env::var_os("COURSEPULSE_FUZZ_PANICS") else {
        return;
    };
    // The location is the "(at file:line:column)" suffix; messages differ by their values.
    let location = message
        .rsplit_once(" (at ")
        .map_or(message.as_str(), |(_, at)| at);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    location.hash(&mut hasher);
    let stem = std::path::Path::new(&directory).join(format!("panic-{:016x}", hasher.finish()));
    if !stem.with_extension("txt").exists() {
        let _ = std::fs::create_dir_all(&directory);
        let _ = std::fs::write(stem.with_extension("bin"), input);
        let _ = std::fs::write(stem.with_extension("txt"), format!("{error}\n"));
    }
}
