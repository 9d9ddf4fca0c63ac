//! The analysis worker with every codec (built with the `brotli` feature): the page starts it
//! instead of the lean one when a file needs a codec the lean one leaves out.

fn main() {
    // `run` installs the worker's panic hook (it also logs the panic to the console).
    #[cfg(target_arch = "wasm32")]
    coursepulse::worker::host::run();
}
