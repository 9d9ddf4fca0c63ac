//! The analysis worker's entry point (Trunk builds it as a Web Worker next to the app).

fn main() {
    console_error_panic_hook::set_once();
    #[cfg(target_arch = "wasm32")]
    coursepulse::worker::host::run();
}
