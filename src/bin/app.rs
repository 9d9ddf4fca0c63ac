//! Mounts [`coursepulse::App`] on the page's body (the page's wasm entry point).

fn main() {
    // Panics go to the browser console with their message instead of an opaque "unreachable".
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(coursepulse::App);
    // After mounting, so the first paint does not wait for it.
    coursepulse::service_worker::register();
}
