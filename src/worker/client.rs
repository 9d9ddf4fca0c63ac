//! The page's side of the worker: spawns it, queues requests until it is ready, and routes each
//! response to the handler of the request it answers.
//!
//! The client lives in a thread-local (the page has one worker, and Leptos contexts want `Send`
//! values, which a `web_sys::Worker` is not). If the worker dies (a panic traps the wasm), the
//! crash handler hears of it and the next request starts a fresh worker.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use crate::worker::protocol::{Request, RequestKind, Response, ResponseKind};

/// The worker's loader script that Trunk writes next to index.html (`data-loader-shim`).
pub const WORKER_SCRIPT: &str = "./coursepulse-worker_loader.js";

type Handler = Rc<dyn Fn(ResponseKind)>;

#[derive(Default)]
struct Client {
    worker: Option<Worker>,
    ready: bool,
    queue: Vec<JsValue>,
    handlers: HashMap<u32, Handler>,
    on_crash: Option<Rc<dyn Fn(String)>>,
    // Kept alive as long as the worker they are installed on.
    closures: Vec<Closure<dyn Fn(JsValue)>>,
}

thread_local! {
    static CLIENT: RefCell<Client> = RefCell::new(Client::default());
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

/// Called with a message when the worker dies; every pending request is dropped.
pub fn set_crash_handler(handler: impl Fn(String) + 'static) {
    CLIENT.with(|client| client.borrow_mut().on_crash = Some(Rc::new(handler)));
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
    let request = Request { id, kind };
    let envelope = Object::new();
    let _ = Reflect::set(&envelope, &"request".into(), &request.to_json().into());
    let _ = Reflect::set(
        &envelope,
        &"files".into(),
        &files.map_or_else(|| Array::new().into(), JsValue::from),
    );
    let started = ensure_worker();
    CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        client.handlers.insert(id, Rc::new(handler));
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
    CLIENT.with(|client| client.borrow_mut().handlers.remove(&id));
}

fn error_kind(message: String) -> ResponseKind {
    ResponseKind::Error(crate::worker::protocol::ErrorView {
        message,
        mapping: None,
    })
}

fn ensure_worker() -> Result<(), String> {
    if CLIENT.with(|client| client.borrow().worker.is_some()) {
        return Ok(());
    }
    let worker = Worker::new(WORKER_SCRIPT)
        .map_err(|error| format!("the analysis worker could not start: {error:?}"))?;
    let on_message = Closure::<dyn Fn(JsValue)>::new(|event: JsValue| {
        let Some(text) = event
            .dyn_ref::<MessageEvent>()
            .and_then(|event| event.data().as_string())
        else {
            return;
        };
        match Response::from_json(&text) {
            Ok(response) => dispatch(&response),
            Err(message) => web_sys::console::error_1(&message.into()),
        }
    });
    let on_error = Closure::<dyn Fn(JsValue)>::new(|event: JsValue| {
        let detail = event
            .dyn_ref::<ErrorEvent>()
            .map(|event| event.message())
            .filter(|message| !message.is_empty())
            .unwrap_or_else(|| "it stopped unexpectedly".into());
        crashed(format!("The analysis worker failed: {detail}"));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        client.worker = Some(worker);
        client.ready = false;
        client.closures = vec![on_message, on_error];
    });
    Ok(())
}

fn crashed(message: String) {
    let (handlers, on_crash) = CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        if let Some(worker) = client.worker.take() {
            worker.terminate();
        }
        client.ready = false;
        client.queue.clear();
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
    let is_final = !matches!(response.kind, ResponseKind::Progress(_));
    let handler = CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        if is_final {
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
