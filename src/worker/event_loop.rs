//! Yielding to the worker's event loop (worker only), so queued messages and finished fetches
//! get their turn between steps of work.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::DedicatedWorkerGlobalScope;

/// Lets queued messages (cancel, page requests) run. A message to ourselves through a
/// `MessageChannel` is a new task at once, where a nested `setTimeout(0)` is clamped to 4 ms
/// (measured: a quarter of a second of idle time in a 2.4 s load).
pub async fn yield_to_event_loop(scope: &DedicatedWorkerGlobalScope) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let posted = web_sys::MessageChannel::new().is_ok_and(|channel| {
            channel.port1().set_onmessage(Some(resolve.unchecked_ref()));
            channel.port2().post_message(&JsValue::NULL).is_ok()
        });
        if !posted
            && scope
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
                .is_err()
        {
            // If scheduling fails the promise would never resolve; resolve at once instead.
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = JsFuture::from(promise).await;
}
