//! The coordinator's side of reading in shares (worker only): starts one nested worker per share
//! from the coordinator's own script, sends each its job once it is ready, and gathers what
//! they say (progress, parts, failures) for the read loop, which waits on [`SharePool::wait`]
//! without spinning. Dropping the pool terminates every share worker: none outlives its load,
//! whether it ends in a dashboard, a cancel or a failure.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use crate::worker::protocol::{Response, ResponseKind};
use crate::worker::shares::split::{ShareReport, worker_failed};

/// A share read by a share worker: its analysis as [`coursepulse_engine::Analysis::save_part`]
/// bytes, and the bytes it fetched from each of its inputs.
pub struct Part {
    /// The part's bytes.
    pub bytes: Vec<u8>,
    /// Bytes fetched per input of the job.
    pub bytes_read: Vec<u64>,
}

/// Why the share workers' read did not complete.
#[derive(Clone, Debug)]
pub enum Failure {
    /// A share could not be read, or a worker could not start: read again on one worker.
    ReadAgain(String),
    /// A share worker died while reading (out of memory, a decoder's panic): the load fails
    /// with these words, those the page uses when its own worker dies.
    Died(String),
}

#[derive(Default)]
struct PoolState {
    /// Each worker's job, sent when the worker says it is ready.
    jobs: Vec<Option<JsValue>>,
    ready: Vec<bool>,
    progress: Vec<(u64, u64)>,
    parts: Vec<Option<Part>>,
    failure: Option<Failure>,
    /// Resolves the pending [`SharePool::wait`].
    wake: Option<Function>,
    /// When the workers were started (`Date.now()`).
    started: f64,
}

impl PoolState {
    fn fail(&mut self, failure: Failure) {
        if self.failure.is_none() {
            self.failure = Some(failure);
        }
    }

    fn wake(&mut self) {
        if let Some(wake) = self.wake.take() {
            let _ = wake.call0(&JsValue::NULL);
        }
    }
}

/// The share workers of one load.
pub struct SharePool {
    workers: Vec<Worker>,
    state: Rc<RefCell<PoolState>>,
    // Kept alive as long as the workers they are installed on.
    on_message: Vec<Closure<dyn Fn(JsValue)>>,
    on_error: Vec<Closure<dyn Fn(JsValue)>>,
}

impl SharePool {
    /// Starts one worker from `script` per job (`{ share, files }` values, in share order).
    pub fn start(script: &str, jobs: Vec<JsValue>) -> Result<SharePool, String> {
        let count = jobs.len();
        let state = Rc::new(RefCell::new(PoolState {
            jobs: jobs.into_iter().map(Some).collect(),
            ready: vec![false; count],
            progress: vec![(0, 0); count],
            parts: (0..count).map(|_| None).collect(),
            started: js_sys::Date::now(),
            ..PoolState::default()
        }));
        let mut pool = SharePool {
            workers: Vec::with_capacity(count),
            state: state.clone(),
            on_message: Vec::with_capacity(count),
            on_error: Vec::with_capacity(count),
        };
        for index in 0..count {
            let worker = Worker::new(script)
                .map_err(|error| format!("a share worker could not start: {error:?}"))?;
            let on_message = {
                let state = state.clone();
                let worker = worker.clone();
                Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
                    if let Some(event) = event.dyn_ref::<MessageEvent>() {
                        heard(&state, &worker, index, &event.data());
                    }
                })
            };
            // It holds the pool's state weakly: it outlives the pool (see `Drop`).
            let on_error = {
                let state = Rc::downgrade(&state);
                Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
                    // Handled here: not passed on to the coordinator's own error handler, which
                    // would end the coordinator too.
                    if let Some(event) = event.dyn_ref::<web_sys::Event>() {
                        event.prevent_default();
                    }
                    let detail = event
                        .dyn_ref::<ErrorEvent>()
                        .map(ErrorEvent::message)
                        .filter(|message| !message.is_empty())
                        .unwrap_or_else(|| "it stopped unexpectedly".into());
                    let Some(state) = Weak::upgrade(&state) else {
                        return;
                    };
                    let mut state = state.borrow_mut();
                    let failure = if state.ready[index] {
                        Failure::Died(worker_failed(&detail))
                    } else {
                        Failure::ReadAgain(format!("a share worker did not start: {detail}"))
                    };
                    state.fail(failure);
                    state.wake();
                })
            };
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            pool.workers.push(worker);
            pool.on_message.push(on_message);
            pool.on_error.push(on_error);
        }
        Ok(pool)
    }

    /// Row groups and bytes the share workers have read so far.
    pub fn progress(&self) -> (u64, u64) {
        self.state
            .borrow()
            .progress
            .iter()
            .fold((0, 0), |(groups, bytes), (more_groups, more_bytes)| {
                (groups + more_groups, bytes + more_bytes)
            })
    }

    /// The first failure, if any.
    pub fn failure(&self) -> Option<Failure> {
        self.state.borrow().failure.clone()
    }

    /// Whether a worker has still not said it is ready `ms` after the workers were started (a
    /// script that loads but never starts the worker, as where workers are not served).
    pub fn not_started_after(&self, ms: f64) -> bool {
        let state = self.state.borrow();
        js_sys::Date::now() - state.started > ms && state.ready.iter().any(|ready| !ready)
    }

    /// Every share worker's part, in share order, once all have arrived.
    pub fn take_parts(&self) -> Option<Vec<Part>> {
        let mut state = self.state.borrow_mut();
        if state.parts.iter().any(Option::is_none) {
            return None;
        }
        Some(state.parts.iter_mut().filter_map(Option::take).collect())
    }

    /// Waits until a share worker says something or `timeout_ms` passes, whichever is first.
    pub async fn wait(&self, timeout_ms: i32) {
        let state = self.state.clone();
        let promise = Promise::new(&mut |resolve, _reject| {
            let timer = js_sys::global()
                .unchecked_into::<web_sys::WorkerGlobalScope>()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, timeout_ms);
            if timer.is_err() {
                // Without a timer only the workers wake us; resolve now rather than hang.
                let _ = resolve.call0(&JsValue::NULL);
            }
            state.borrow_mut().wake = Some(resolve);
        });
        let _ = JsFuture::from(promise).await;
    }
}

impl Drop for SharePool {
    fn drop(&mut self) {
        for worker in &self.workers {
            worker.set_onmessage(None);
            worker.terminate();
        }
        // A worker's error raised before it was terminated can still arrive (a panic's account
        // comes first, and ends the load): its handler stays, to keep it from reaching the
        // coordinator's own error handler, which would end the coordinator too. A few bytes
        // per share worker.
        for on_error in self.on_error.drain(..) {
            on_error.forget();
        }
    }
}

/// What share worker `index` said: `Ready` (send its job), its panic's account, or a report.
fn heard(state: &Rc<RefCell<PoolState>>, worker: &Worker, index: usize, data: &JsValue) {
    let report = Reflect::get(data, &"share_report".into())
        .ok()
        .filter(JsValue::is_object);
    let Some(report) = report else {
        match Response::from_js(data.clone()).map(|response| response.kind) {
            Ok(ResponseKind::Ready) => {
                let job = {
                    let mut state = state.borrow_mut();
                    state.ready[index] = true;
                    state.jobs[index].take()
                };
                if let Some(job) = job
                    && let Err(error) = worker.post_message(&job)
                {
                    let mut state = state.borrow_mut();
                    state.fail(Failure::ReadAgain(format!(
                        "a share worker could not be given its share: {error:?}"
                    )));
                    state.wake();
                }
            }
            // The share worker's panic hook speaks just before it aborts.
            Ok(ResponseKind::Crashed { message }) => {
                let mut state = state.borrow_mut();
                state.fail(Failure::Died(format!(
                    "The analysis worker failed: {message}"
                )));
                state.wake();
            }
            _ => {}
        }
        return;
    };
    let mut state = state.borrow_mut();
    match serde_wasm_bindgen::from_value::<ShareReport>(report) {
        Ok(ShareReport::Progress {
            groups_done,
            bytes_done,
        }) => state.progress[index] = (groups_done, bytes_done),
        Ok(ShareReport::Done { bytes_read }) => {
            match Reflect::get(data, &"part".into())
                .ok()
                .and_then(|part| part.dyn_into::<Uint8Array>().ok())
            {
                Some(part) => {
                    state.parts[index] = Some(Part {
                        bytes: part.to_vec(),
                        bytes_read,
                    });
                }
                None => state.fail(Failure::ReadAgain(
                    "a share worker sent no part with its answer".into(),
                )),
            }
        }
        Ok(ShareReport::Failed { message }) => state.fail(Failure::ReadAgain(message)),
        Err(error) => state.fail(Failure::ReadAgain(format!(
            "a share worker's answer could not be read: {error}"
        ))),
    }
    state.wake();
}
