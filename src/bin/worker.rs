//! The analysis worker's entry point (Trunk builds it as a Web Worker next to the app).

fn main() {
    // `run` installs the worker's panic hook (it also logs the panic to the console).
    #[cfg(target_arch = "wasm32")]
    coursepulse::worker::host::run();
}
