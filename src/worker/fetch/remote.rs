//! Inputs from URLs (worker only): one data file, or a manifest (`manifest.json` or a plain list)
//! of many, each opened by range when its server allows it. A manifest's relative paths are the
//! inputs' names, so their `key=value` segments become partition columns. Whole downloads are
//! capped on the bytes that arrive, not on what the headers announce.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::Rc;

use bytes::Bytes;
use coursepulse_engine::Format;
use js_sys::Uint8Array;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::DedicatedWorkerGlobalScope;

use crate::paths;
use crate::worker::event_loop::yield_to_event_loop;
use crate::worker::fetch::file_chunks::FileChunks;
use crate::worker::fetch::http::{failed, url_file_name};
use crate::worker::fetch::http_checks::{self, Asked, ByteCap};
use crate::worker::fetch::input::{ChunkReader, Input, MAX_CSV_BYTES, too_large_csv};

/// Every input `url` stands for: the files a manifest lists, or the file itself.
///
/// A manifest's files are opened one after another, never at once, and those downloaded whole
/// (CSV, or any file from a server without range requests) share one budget,
/// [`MAX_WHOLE_BYTES`] held at a time, counted on the bytes that arrive.
pub async fn open_url(scope: &DedicatedWorkerGlobalScope, url: &str) -> Result<Vec<Input>, String> {
    let mut budget = ByteCap::new(MAX_WHOLE_BYTES);
    if !paths::is_manifest_url(url) {
        return Ok(vec![
            open_within(scope, url, url_file_name(url), &mut budget).await?,
        ]);
    }
    let entries = fetch_manifest(scope, url, false).await?;
    let mut inputs = Vec::with_capacity(entries.len());
    for entry in entries {
        inputs.push(open_within(scope, &entry.url, entry.name, &mut budget).await?);
    }
    Ok(inputs)
}

/// The files the manifest at `url` lists, resolved against it. `fresh` asks past the browser's
/// HTTP cache (`cache: 'no-store'`): live mode reads a manifest that changes under the same URL.
pub async fn fetch_manifest(
    scope: &DedicatedWorkerGlobalScope,
    url: &str,
    fresh: bool,
) -> Result<Vec<paths::ManifestEntry>, String> {
    let refuse = |size| {
        format!(
            "{url}: the manifest is {} or more; a manifest may have at most {}",
            crate::format::bytes(size),
            crate::format::bytes(MAX_MANIFEST_BYTES)
        )
    };
    let response = if fresh {
        let promise = fetch_with_init(scope, url, None, None)
            .map_err(|error| failed(url, "could not fetch", error))?;
        checked_response(url, promise, "could not fetch").await?
    } else {
        fetch_response(scope, url, None).await?
    };
    let body = read_at_most(&response, url, MAX_MANIFEST_BYTES, refuse).await?;
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| format!("{url}: the manifest is not UTF-8 text"))?;
    paths::parse_manifest(&text, url)
}

/// The remote files `(url, name)`, opened one after another as a manifest's are: those
/// downloaded whole share one budget of [`MAX_WHOLE_BYTES`] (a dataset read again with new
/// settings is held as it was first held).
pub async fn open_all(
    scope: &DedicatedWorkerGlobalScope,
    files: Vec<(String, String)>,
) -> Result<Vec<Input>, String> {
    let mut budget = ByteCap::new(MAX_WHOLE_BYTES);
    let mut inputs = Vec::with_capacity(files.len());
    for (url, name) in files {
        inputs.push(open_within(scope, &url, name, &mut budget).await?);
    }
    Ok(inputs)
}

/// One remote file named `name`. Parquet is read by range (footer, then the needed column
/// chunks); CSV, or a server that ignores `Range`, is downloaded whole, at most
/// [`MAX_WHOLE_BYTES`] (CSV: [`MAX_CSV_BYTES`]) counted as the bytes arrive and taken from
/// `budget` (what the files opened before it left).
async fn open_within(
    scope: &DedicatedWorkerGlobalScope,
    url: &str,
    name: String,
    budget: &mut ByteCap,
) -> Result<Input, String> {
    let whole = |bytes: Bytes| Input {
        name: name.clone(),
        url: Some(url.to_owned()),
        reader: ChunkReader::Memory(bytes),
    };
    let (held, budget_limit) = (budget.received(), budget.limit());
    let left = budget_limit - held;
    let over_budget = |size: u64| {
        format!(
            "{name}: the files downloaded whole for this dataset (CSV, or from servers without \
             range requests) would pass {} held at once ({} so far, then at least {} more), the \
             most this browser holds that way. Serve Parquet files from a server that allows \
             range requests, or split the manifest.",
            crate::format::bytes(budget_limit),
            crate::format::bytes(held),
            crate::format::bytes(size)
        )
    };
    if Format::from_name(&name) == Some(Format::Csv) {
        let limit = MAX_CSV_BYTES.min(left);
        let refuse = |size| {
            if limit < MAX_CSV_BYTES {
                over_budget(size)
            } else {
                too_large_csv(&name, size)
            }
        };
        let response = fetch_response(scope, url, None).await?;
        let bytes = read_at_most(&response, url, limit, &refuse).await?;
        let _ = budget.add(bytes.len() as u64);
        return Ok(whole(bytes));
    }
    let too_large = |size| {
        format!(
            "{name} is {}{}: its server does not answer range requests, so it would be \
             downloaded whole, and this browser holds at most {} that way. Serve it from \
             a server that allows range requests (most static hosts do), or open it from \
             a local copy.",
            crate::format::bytes(size),
            if size > MAX_WHOLE_BYTES {
                ""
            } else {
                " or more"
            },
            crate::format::bytes(MAX_WHOLE_BYTES)
        )
    };
    let limit = MAX_WHOLE_BYTES.min(left);
    let refuse = |size| {
        if limit < MAX_WHOLE_BYTES {
            over_budget(size)
        } else {
            too_large(size)
        }
    };
    // The probe asks for the last 8 bytes (Parquet's footer length and magic); a 206 answer's
    // Content-Range gives the size. A server already known to answer range requests is probed
    // synchronously, as its ranges are then read, so no fetch is in flight when a synchronous
    // request blocks the worker (a fetch left in flight then is reported aborted).
    let probe = Asked::Suffix(8);
    let origin = origin_of(url);
    if origin.as_deref().is_some_and(answers_ranges) {
        if let Some(chunks) = FileChunks::http_known(url, probe)? {
            return Ok(Input {
                name: name.clone(),
                url: Some(url.to_owned()),
                reader: ChunkReader::File(chunks),
            });
        }
        forget_ranges(origin.as_deref());
    }
    // A server not yet known: an asynchronous probe, so that a server that ignores `Range`
    // (and answers 200 with the whole file, which is then the download) is counted against the
    // cap as the bytes arrive. It has its own timeout, as the synchronous range requests do.
    let timeout_ms = http_checks::range_timeout_ms(8);
    let timer = Timeout::start(scope, timeout_ms);
    let timed_out = |error: String| {
        if timer.fired() {
            http_checks::timeout_message(url, timeout_ms)
        } else {
            error
        }
    };
    let response = fetch_response(scope, url, Some((&probe.header(), timer.signal())))
        .await
        .map_err(timed_out)?;
    let content_range = response.headers().get("content-range").ok().flatten();
    if response.status() != 206 {
        // The whole file follows; the timeout was for the probe's answer, not the download's.
        timer.clear();
        let bytes = read_at_most(&response, url, limit, &refuse).await?;
        let _ = budget.add(bytes.len() as u64);
        return Ok(whole(bytes));
    }
    let size_unknown = content_range
        .as_deref()
        .and_then(http_checks::parse_content_range)
        .is_some_and(|range| range.total.is_none());
    if size_unknown {
        // A partial answer without the file's size: download it whole.
        timer.clear();
        cancel_body(&response);
        let response = fetch_response(scope, url, None).await?;
        let bytes = read_at_most(&response, url, limit, &refuse).await?;
        let _ = budget.add(bytes.len() as u64);
        return Ok(whole(bytes));
    }
    let wrong_length = |size| {
        format!("{url}: the server sent {size} bytes or more in answer to a range request for 8")
    };
    // Read to its end, so the fetch is complete before any synchronous request.
    let body = read_at_most(&response, url, PROBE_BYTES, wrong_length)
        .await
        .map_err(timed_out)?;
    timer.clear();
    // Let the fetch finish in the browser (its completion is a task of this event loop) before
    // the synchronous footer request blocks the worker: otherwise it can be reported aborted.
    yield_to_event_loop(scope).await;
    let sent = http_checks::check_content_range(
        url,
        content_range.as_deref(),
        probe,
        None,
        body.len() as u64,
    )?;
    remember_ranges(origin);
    let chunks = FileChunks::http(url, sent.total.unwrap_or_default(), body)?;
    Ok(Input {
        name: name.clone(),
        url: Some(url.to_owned()),
        reader: ChunkReader::File(chunks),
    })
}

thread_local! {
    /// Origins whose servers answered a probe with a checked 206, for this worker's life.
    static RANGE_ORIGINS: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

fn answers_ranges(origin: &str) -> bool {
    RANGE_ORIGINS.with(|origins| origins.borrow().contains(origin))
}

fn remember_ranges(origin: Option<String>) {
    if let Some(origin) = origin {
        RANGE_ORIGINS.with(|origins| origins.borrow_mut().insert(origin));
    }
}

fn forget_ranges(origin: Option<&str>) {
    if let Some(origin) = origin {
        RANGE_ORIGINS.with(|origins| origins.borrow_mut().remove(origin));
    }
}

/// The origin of `url` (relative to this worker's location).
fn origin_of(url: &str) -> Option<String> {
    let location = js_sys::Reflect::get(&js_sys::global(), &"location".into()).ok()?;
    let here = js_sys::Reflect::get(&location, &"href".into())
        .ok()?
        .as_string()?;
    web_sys::Url::new_with_base(url, &here)
        .ok()
        .map(|url| url.origin())
}

/// An `AbortController` that aborts after a delay unless cleared first.
struct Timeout {
    scope: DedicatedWorkerGlobalScope,
    controller: Option<JsValue>,
    handle: Cell<Option<i32>>,
    fired: Rc<Cell<bool>>,
}

impl Timeout {
    fn start(scope: &DedicatedWorkerGlobalScope, timeout_ms: u32) -> Timeout {
        let fired = Rc::new(Cell::new(false));
        let controller = js_sys::Reflect::get(scope, &"AbortController".into())
            .and_then(|constructor| constructor.dyn_into::<js_sys::Function>())
            .and_then(|constructor| js_sys::Reflect::construct(&constructor, &js_sys::Array::new()))
            .ok();
        let handle = controller.as_ref().and_then(|controller| {
            let (controller, fired) = (controller.clone(), fired.clone());
            let abort = Closure::once_into_js(move || {
                fired.set(true);
                if let Ok(abort) = js_sys::Reflect::get(&controller, &"abort".into())
                    .and_then(|abort| abort.dyn_into::<js_sys::Function>())
                {
                    let _ = abort.call0(&controller);
                }
            });
            scope
                .set_timeout_with_callback_and_timeout_and_arguments_0(
                    abort.unchecked_ref(),
                    i32::try_from(timeout_ms).unwrap_or(i32::MAX),
                )
                .ok()
        });
        Timeout {
            scope: scope.clone(),
            controller,
            handle: Cell::new(handle),
            fired,
        }
    }

    /// The signal to hand `fetch`.
    fn signal(&self) -> Option<JsValue> {
        self.controller
            .as_ref()
            .and_then(|controller| js_sys::Reflect::get(controller, &"signal".into()).ok())
    }

    fn fired(&self) -> bool {
        self.fired.get()
    }

    /// Stops the timer (the request answered in time).
    fn clear(&self) {
        if let Some(handle) = self.handle.take() {
            self.scope.clear_timeout_with_handle(handle);
        }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        self.clear();
    }
}

/// The largest Parquet file downloaded whole (from a server without range requests), and the
/// most a manifest's whole downloads hold at once: the bytes stay in the worker's memory, at
/// most 4 GB, beside what decoding them takes.
const MAX_WHOLE_BYTES: u64 = 2_000_000_000;

/// The largest manifest read (100,000 long paths fit easily).
const MAX_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;

/// The most an answer to the 8-byte probe may bring before it is refused as not what was asked.
const PROBE_BYTES: u64 = 1024;

/// The body of `response` (from `url`), unless its `Content-Length` or the bytes that actually
/// arrive (a missing or false length, a `Content-Encoding` that inflates the body) pass `limit`:
/// then the download stops and the answer is `refuse(size)`, `size` the bytes seen so far.
async fn read_at_most(
    response: &web_sys::Response,
    url: &str,
    limit: u64,
    refuse: impl Fn(u64) -> String,
) -> Result<Bytes, String> {
    let announced = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|length| length.trim().parse::<u64>().ok());
    let encoded = response
        .headers()
        .get("content-encoding")
        .ok()
        .flatten()
        .is_some_and(|encoding| !encoding.trim().eq_ignore_ascii_case("identity"));
    // With a Content-Encoding, Content-Length counts the bytes on the wire, not the body's:
    // only the count of what arrives holds then.
    if let Some(size) = announced.filter(|&size| size > limit && !encoded) {
        // Stop the download now rather than when the response is collected.
        cancel_body(response);
        return Err(refuse(size));
    }
    // An announced length binds an identity-encoded body (the browser ends it there), so a body
    // within the cap is taken whole. Counting chunks as they arrive is for bodies whose size is
    // known only at their end; Chrome also reports a request read to its end through a stream
    // reader as aborted, which a whole read avoids.
    if announced.is_some() && !encoded {
        return response_body(response, url).await;
    }
    let Some(body) = response.body() else {
        return Ok(Bytes::new());
    };
    let reader = body.get_reader();
    let method = |name: &str| {
        js_sys::Reflect::get(&reader, &JsValue::from_str(name))
            .and_then(|method| method.dyn_into::<js_sys::Function>())
            .map_err(|error| failed(url, "could not read the body", error))
    };
    let read = method("read")?;
    let mut cap = ByteCap::new(limit);
    let mut out: Vec<u8> = Vec::with_capacity(announced.unwrap_or(0).min(limit) as usize);
    loop {
        let promise = read
            .call0(&reader)
            .and_then(|promise| promise.dyn_into::<js_sys::Promise>())
            .map_err(|error| failed(url, "could not read the body", error))?;
        let chunk = JsFuture::from(promise)
            .await
            .map_err(|error| failed(url, "could not read the body", error))?;
        let field = |name: &str| js_sys::Reflect::get(&chunk, &JsValue::from_str(name));
        if field("done").ok().and_then(|done| done.as_bool()) != Some(false) {
            break;
        }
        let value: Uint8Array = field("value")
            .and_then(|value| value.dyn_into::<Uint8Array>())
            .map_err(|error| failed(url, "could not read the body", error))?;
        let length = u64::from(value.length());
        if let Err(total) = cap.add(length) {
            if let Ok(cancel) = method("cancel") {
                let _ = cancel.call0(&reader);
            }
            return Err(refuse(total));
        }
        let start = out.len();
        out.resize(start + value.length() as usize, 0);
        value.copy_to(&mut out[start..]);
    }
    Ok(Bytes::from(out))
}

/// Stops a response's download, when it has a body.
fn cancel_body(response: &web_sys::Response) {
    if let Some(body) = response.body() {
        let _ = body.cancel();
    }
}

/// The whole body of `url`; errors name the URL and what went wrong.
pub async fn fetch_bytes(scope: &DedicatedWorkerGlobalScope, url: &str) -> Result<Bytes, String> {
    let response = fetch_response(scope, url, None).await?;
    response_body(&response, url).await
}

/// A successful response from `url` (headers in, body not yet read), asked with a `Range`
/// header and an abort signal when `range` is given.
async fn fetch_response(
    scope: &DedicatedWorkerGlobalScope,
    url: &str,
    range: Option<(&str, Option<JsValue>)>,
) -> Result<web_sys::Response, String> {
    let promise = match &range {
        None => scope.fetch_with_str(url),
        Some((range, signal)) => fetch_with_init(scope, url, Some(range), signal.as_ref())
            .map_err(|error| failed(url, "could not fetch", error))?,
    };
    // A range request's failure reads as the synchronous range requests' do.
    let what = if range.is_some() {
        "the request failed"
    } else {
        "could not fetch"
    };
    checked_response(url, promise, what).await
}

/// The response `promise` gives, when it is a successful HTTP response; `what` says what
/// failed otherwise.
async fn checked_response(
    url: &str,
    promise: js_sys::Promise,
    what: &str,
) -> Result<web_sys::Response, String> {
    let response = JsFuture::from(promise)
        .await
        .map_err(|error| failed(url, what, error))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|error| failed(url, "not an HTTP response", error))?;
    if !response.ok() {
        return Err(format!(
            "{url}: the server answered HTTP {} {}",
            response.status(),
            response.status_text()
        ));
    }
    Ok(response)
}

/// `fetch(url, { headers: { Range: range }, cache: 'no-store', signal })` (the header and the
/// signal when given), through the global's own `fetch`.
fn fetch_with_init(
    scope: &DedicatedWorkerGlobalScope,
    url: &str,
    range: Option<&str>,
    signal: Option<&JsValue>,
) -> Result<js_sys::Promise, JsValue> {
    let init = js_sys::Object::new();
    if let Some(range) = range {
        let headers = js_sys::Object::new();
        js_sys::Reflect::set(&headers, &"Range".into(), &range.into())?;
        js_sys::Reflect::set(&init, &"headers".into(), &headers)?;
    }
    // Past the browser's HTTP cache, as the synchronous range requests go: its handling of
    // partial answers restarts some requests (seen as aborted ones).
    js_sys::Reflect::set(&init, &"cache".into(), &"no-store".into())?;
    if let Some(signal) = signal {
        js_sys::Reflect::set(&init, &"signal".into(), signal)?;
    }
    let fetch: js_sys::Function = js_sys::Reflect::get(scope, &"fetch".into())?.dyn_into()?;
    fetch.call2(scope, &url.into(), &init)?.dyn_into()
}

async fn response_body(response: &web_sys::Response, url: &str) -> Result<Bytes, String> {
    let buffer = response
        .array_buffer()
        .map_err(|error| failed(url, "could not read the body", error))?;
    let buffer = JsFuture::from(buffer)
        .await
        .map_err(|error| failed(url, "could not read the body", error))?;
    Ok(Bytes::from(Uint8Array::new(&buffer).to_vec()))
}
