//! The page's side of the worker: spawns it, queues requests until it is ready, and routes each
//! response to the handler of the request it answers.
//!
//! The client lives in a thread-local (the page has one worker, and Leptos contexts want `Send`
//! values, which a `web_sys::Worker` is not). If the worker dies (a panic traps the wasm), the
//! crash handler hears of it and the next request starts a fresh worker.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use crate::worker::protocol::{Request, RequestKind, Response, ResponseKind};
use crate::worker::shares::split::{worker_failed, workers_in_query, workers_value};

/// The worker's loader script that Trunk writes next to index.html (`data-loader-shim`).
pub const WORKER_SCRIPT: &str = "./coursepulse-worker_loader.js";
/// The worker with every codec, started instead when a file needs a codec the lean one lacks.
pub const FULL_WORKER_SCRIPT: &str = "./coursepulse-worker-full_loader.js";

type Handler = Rc<dyn Fn(ResponseKind)>;

/// A pending request as it was posted.
struct Sent {
    envelope: JsValue,
    /// `standalone` of its kind.
    standalone: bool,
}

/// Whether `kind` needs nothing the worker holds (an open, a restore, erasing what is stored, a
/// manifest check), so a fresh worker answers it as well as the one it was sent to.
fn standalone(kind: &RequestKind) -> bool {
    matches!(
        kind,
        RequestKind::Open { .. }
            | RequestKind::Restore
            | RequestKind::Forget
            | RequestKind::CheckListing { .. }
    )
}

#[derive(Default)]
struct Client {
    worker: Option<Worker>,
    ready: bool,
    queue: Vec<JsValue>,
    handlers: HashMap<u32, Handler>,
    /// What was sent for each pending request, to send again after switching workers.
    sent: HashMap<u32, Sent>,
    /// Whether the worker with every codec is the one in use.
    full: bool,
    on_crash: Option<Rc<dyn Fn(String)>>,
    /// Hears what the worker stored after a load (unsolicited `Stored` messages, id 0).
    on_stored: Option<Handler>,
    // Kept alive as long as the worker they are installed on.
    closures: Vec<Closure<dyn Fn(JsValue)>>,
    /// Counts the workers started; a worker's events are heard only while it is the current one
    /// (a terminated worker's error event can still arrive).
    generation: u32,
}

thread_local! {
    static CLIENT: RefCell<Client> = RefCell::new(Client::default());
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
    /// Responses decoded but not yet handled, oldest first, with the worker they came from.
    static LATER: RefCell<VecDeque<(u32, Response)>> = const { RefCell::new(VecDeque::new()) };
}

/// Handles a decoded response. A dashboard is handled in a task of its own: decoding it and
/// building the panels it shows made one main-thread task of 55 to 100 ms in a load (the bench's
/// longest task; a CPU profile gave a quarter of it to the decoding). Responses that arrive
/// behind one wait for it, so they are handled in the order the worker sent them.
fn arrived(generation: u32, response: Response) {
    let defers = matches!(response.kind, ResponseKind::Dashboard(_));
    let (now, schedule) = LATER.with(|later| {
        let mut later = later.borrow_mut();
        if later.is_empty() && !defers {
            return (Some(response), false);
        }
        later.push_back((generation, response));
        (None, later.len() == 1)
    });
    if let Some(response) = now {
        dispatch(&response);
    }
    if schedule {
        handle_later();
    }
}

/// Handles the oldest waiting response in a new task.
fn handle_later() {
    let scheduled = web_sys::window().is_some_and(|window| {
        let callback = Closure::once_into_js(handle_oldest);
        window
            .set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), 0)
            .is_ok()
    });
    // Without a timer (the page is closing), handle it now rather than never.
    if !scheduled {
        handle_oldest();
    }
}

/// Handles the oldest waiting response (unless its worker has been replaced meanwhile), then
/// schedules the next.
fn handle_oldest() {
    let oldest = LATER.with(|later| later.borrow_mut().pop_front());
    if let Some((generation, response)) = oldest
        && is_current(generation)
    {
        dispatch(&response);
    }
    if LATER.with(|later| !later.borrow().is_empty()) {
        handle_later();
    }
}

/// Called with a message when the worker dies; every pending request is dropped.
pub fn set_crash_handler(handler: impl Fn(String) + 'static) {
    CLIENT.with(|client| client.borrow_mut().on_crash = Some(Rc::new(handler)));
}

/// Called with every `Stored` the worker sends on its own (after it stores a loaded dataset).
pub fn set_storage_handler(handler: impl Fn(ResponseKind) + 'static) {
    CLIENT.with(|client| client.borrow_mut().on_stored = Some(Rc::new(handler)));
}

/// Sends `kind` (with `files`, for `Open { source: Files }`) and calls `handler` with every
/// response to it: any number of `Progress`, then one final answer. Returns the request id.
pub fn send(
    kind: RequestKind,
    files: Option<Array>,
    handler: impl Fn(ResponseKind) + 'static,
) -> u32 {
    let id = NEXT_ID.with(|next| {
        let id = next.get();
        next.set(id.wrapping_add(1).max(1));
        id
    });
    let standalone = standalone(&kind);
    let request = Request { id, kind };
    let envelope = Object::new();
    let value = match request.to_js() {
        Ok(value) => value,
        Err(message) => {
            handler(error_kind(message));
            return id;
        }
    };
    let _ = Reflect::set(&envelope, &"request".into(), &value);
    let _ = Reflect::set(
        &envelope,
        &"files".into(),
        &files.map_or_else(|| Array::new().into(), JsValue::from),
    );
    let started = ensure_worker();
    CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        client.handlers.insert(id, Rc::new(handler));
        client.sent.insert(
            id,
            Sent {
                envelope: envelope.clone().into(),
                standalone,
            },
        );
        match (&client.worker, client.ready) {
            (Some(worker), true) => {
                if let Err(error) = worker.post_message(&envelope) {
                    let message = format!("could not send to the worker: {error:?}");
                    drop(client);
                    dispatch(&Response {
                        id,
                        kind: error_kind(message),
                    });
                }
            }
            _ => client.queue.push(envelope.into()),
        }
    });
    if let Err(message) = started {
        dispatch(&Response {
            id,
            kind: error_kind(message),
        });
    }
    id
}

/// Asks the worker to stop request `target` (a load); its handler then gets `Cancelled`.
pub fn cancel(target: u32) {
    let id = send(RequestKind::Cancel { target }, None, |_| {});
    // A cancel request gets no answer of its own.
    CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        client.handlers.remove(&id);
        client.sent.remove(&id);
    });
}

fn error_kind(message: String) -> ResponseKind {
    ResponseKind::Error(crate::worker::protocol::ErrorView::new(message))
}

fn ensure_worker() -> Result<(), String> {
    if CLIENT.with(|client| client.borrow().worker.is_some()) {
        return Ok(());
    }
    let script = CLIENT.with(|client| {
        if client.borrow().full {
            FULL_WORKER_SCRIPT
        } else {
            WORKER_SCRIPT
        }
    });
    // The page's `workers=` (tests, the bench) reaches the worker in its script's address: the
    // worker reads it there and starts its share workers from the same address.
    let asked = web_sys::window()
        .and_then(|window| window.location().search().ok())
        .and_then(|query| workers_in_query(&query));
    let script = match asked {
        Some(workers) => format!("{script}?workers={}", workers_value(workers)),
        None => script.to_owned(),
    };
    let worker = Worker::new(&script)
        .map_err(|error| format!("the analysis worker could not start: {error:?}"))?;
    let generation = CLIENT.with(|client| client.borrow().generation.wrapping_add(1));
    let on_message = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
        if !is_current(generation) {
            return;
        }
        let Some(data) = event.dyn_ref::<MessageEvent>().map(MessageEvent::data) else {
            return;
        };
        match Response::from_js(data) {
            Ok(response) => arrived(generation, response),
            Err(message) => web_sys::console::error_1(&message.into()),
        }
    });
    let on_error = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
        let detail = event
            .dyn_ref::<ErrorEvent>()
            .map(|event| event.message())
            .filter(|message| !message.is_empty())
            .unwrap_or_else(|| "it stopped unexpectedly".into());
        let mut message = worker_failed(&detail);
        // The full worker is fetched the first time a Brotli file needs it (the service worker
        // does not install it), so offline it may not load at all. Say so, and go back to the
        // lean worker, which re-reads the data shown.
        let failed_to_load = CLIENT.with(|client| {
            let mut client = client.borrow_mut();
            let failed = client.full && !client.ready;
            if failed {
                client.full = false;
            }
            failed
        });
        if failed_to_load {
            message = format!(
                "The reader for Brotli-compressed files could not be loaded ({detail}). It is \
                 downloaded the first time such a file is opened, which needs the network: \
                 connect and open the file again"
            );
        }
        // A panic's hook sends its own account just before the abort raises this event; give
        // that message a moment to arrive, and say this only when it did not.
        match web_sys::window() {
            Some(window) => {
                let later = Closure::once_into_js(move || {
                    if is_current(generation) {
                        crashed(message);
                    }
                });
                // Fails only when the page is closing; then no one is left to tell.
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                    later.unchecked_ref(),
                    CRASH_ACCOUNT_WAIT_MS,
                );
            }
            None => crashed(message),
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        client.worker = Some(worker);
        client.ready = false;
        client.closures = vec![on_message, on_error];
        client.generation = generation;
    });
    Ok(())
}

/// Stops `worker` and unhooks its handlers: an event it raised before stopping can still be
/// delivered, after its closures are dropped for the next worker's.
fn retire(worker: &Worker) {
    worker.set_onmessage(None);
    worker.set_onerror(None);
    worker.terminate();
}

/// How long a worker's error event waits for the panic hook's `Crashed` message.
const CRASH_ACCOUNT_WAIT_MS: i32 = 100;

/// Whether `generation` is the worker running now.
fn is_current(generation: u32) -> bool {
    CLIENT.with(|client| {
        let client = client.borrow();
        client.worker.is_some() && client.generation == generation
    })
}

fn crashed(message: String) {
    let (handlers, on_crash) = CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        if let Some(worker) = client.worker.take() {
            retire(&worker);
        }
        client.ready = false;
        client.queue.clear();
        client.sent.clear();
        let handlers: Vec<Handler> = client
            .handlers
            .drain()
            .map(|(_, handler)| handler)
            .collect();
        (handlers, client.on_crash.clone())
    });
    for handler in handlers {
        handler(error_kind(message.clone()));
    }
    if let Some(on_crash) = on_crash {
        on_crash(message);
    }
}

fn dispatch(response: &Response) {
    if response.kind == ResponseKind::Ready {
        CLIENT.with(|client| {
            let mut client = client.borrow_mut();
            client.ready = true;
            let queue = std::mem::take(&mut client.queue);
            if let Some(worker) = &client.worker {
                for envelope in queue {
                    let _ = worker.post_message(&envelope);
                }
            }
        });
        return;
    }
    if let ResponseKind::Crashed { message } = &response.kind {
        crashed(format!("The analysis worker failed: {message}"));
        return;
    }
    if response.id == 0 && matches!(response.kind, ResponseKind::Stored(_)) {
        let handler = CLIENT.with(|client| client.borrow().on_stored.clone());
        if let Some(handler) = handler {
            handler(response.kind.clone());
        }
        return;
    }
    if let ResponseKind::Error(view) = &response.kind
        && view.needs_full_worker
        && switch_to_full_worker(response.id)
    {
        return;
    }
    let is_final = !matches!(response.kind, ResponseKind::Progress(_));
    let handler = CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        if is_final {
            client.sent.remove(&response.id);
            client.handlers.remove(&response.id)
        } else {
            client.handlers.get(&response.id).cloned()
        }
    });
    match handler {
        Some(handler) => handler(response.kind.clone()),
        // Id 0: the worker could not parse a request; say so where developers look.
        None if response.id == 0 => {
            web_sys::console::error_1(&format!("worker: {:?}", response.kind).into());
        }
        None => {}
    }
}

/// Replaces the lean worker with the full one (every codec, event logs) and sends request `id`
/// to it again, with every other pending request that needs nothing the old worker held (a
/// file the user dropped while a stored dataset was being restored is still opened), in the
/// order they were sent. False when the full worker is already in use (the error then stands).
/// The other pending requests belonged to the old worker's dataset and fail with a message.
fn switch_to_full_worker(id: u32) -> bool {
    let switched = CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        if client.full || !client.sent.contains_key(&id) {
            return None;
        }
        if let Some(worker) = client.worker.take() {
            retire(&worker);
        }
        client.full = true;
        client.ready = false;
        client.closures.clear();
        let mut pending: Vec<u32> = client.sent.keys().copied().collect();
        pending.sort_unstable();
        let mut queue = Vec::new();
        let mut resent = Vec::new();
        let mut dropped = Vec::new();
        for other in pending {
            let sent = &client.sent[&other];
            if other == id || sent.standalone {
                queue.push(sent.envelope.clone());
                resent.push(other);
            } else {
                client.sent.remove(&other);
                dropped.extend(client.handlers.remove(&other));
            }
        }
        client.queue = queue;
        Some((resent, dropped))
    });
    let Some((resent, dropped)) = switched else {
        return false;
    };
    for handler in dropped {
        handler(error_kind(
            "the analysis worker was restarted as the full one (every codec and event logs); try again".into(),
        ));
    }
    if let Err(message) = ensure_worker() {
        for id in resent {
            dispatch(&Response {
                id,
                kind: error_kind(message.clone()),
            });
        }
    }
    true
}
