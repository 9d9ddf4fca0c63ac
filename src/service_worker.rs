//! Registers the service worker (`sw.js`, next to index.html) that lets the app open with the
//! network off after one visit; see www/sw.js for what it caches.

use wasm_bindgen::JsValue;

/// Registers `./sw.js` when the page is served over HTTP(S). From `file://` (the single-file
/// build) or an insecure origin there are no service workers, and nothing is needed: the app
/// works as it always has, only not offline.
pub fn register() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let protocol = window.location().protocol().unwrap_or_default();
    let navigator = window.navigator();
    // `navigator.serviceWorker` is missing in insecure contexts; the getter would throw there.
    let has_container =
        js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).unwrap_or(false);
    if !(protocol == "http:" || protocol == "https:")
        || !window.is_secure_context()
        || !has_container
    {
        return;
    }
    let promise = navigator.service_worker().register("./sw.js");
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(error) = wasm_bindgen_futures::JsFuture::from(promise).await {
            // Not an error of the app: it still works, only not offline.
            web_sys::console::warn_2(
                &"CoursePulse will not work offline: the service worker was not registered:".into(),
                &error,
            );
        }
    });
}
