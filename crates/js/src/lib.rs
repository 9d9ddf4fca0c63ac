//! The CoursePulse engine for JavaScript: `analyze(bytes, options)` and
//! `analyzeFile(file, options)` return the engine's `Report` as a plain object, shaped field for
//! field as `coursepulse report --format json`, built straight from the engine's values
//! (`serde-wasm-bindgen`): no JSON text is written or parsed. `cargo xtask pkg` builds it with wasm-bindgen into `pkg/`.
//!
//! `analyzeFile` reads a Parquet `File` (or any `Blob`) by `slice()`: the footer, then only the
//! mapped column chunks of one row group at a time, so a file larger than memory can be
//! analysed. CSV is read whole (CSV extracts are small; the engine infers types over all rows).

mod options;
mod stream;

use bytes::Bytes;
use coursepulse_engine::{Analysis, Format, Report};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

pub use options::{JsOptions, parse_options};
pub use stream::{RangeReader, add_parquet_ranges};

// The hand-checked types of the options and of the report (docs/report-schema.md);
// tests/pkg/pkg.test.mjs checks the report's keys against them.
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("report.d.ts");

/// Analyses one Parquet or CSV file held in memory. `options.name` names it in messages and
/// the report (its extension picks the format; otherwise the bytes are sniffed).
#[wasm_bindgen(unchecked_return_type = "Report")]
pub fn analyze(
    // Owned: wasm-bindgen copies the bytes into wasm memory once, and the engine keeps that copy.
    bytes: Vec<u8>,
    #[wasm_bindgen(unchecked_param_type = "AnalyzeOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let (mut analysis, name) = start(&options, "input")?;
    let format = Format::from_name(&name);
    analysis
        .add_bytes(&name, Bytes::from(bytes), format)
        .map_err(|error| JsError::new(&error.to_string()))?;
    to_js(&analysis.report())
}

/// Analyses a `File` (or `Blob`) without loading it whole: Parquet is read row group by row
/// group through `file.slice()`. The name is `options.name`, else the file's own name.
///
/// The promise is made here rather than by an `async fn`, so that the panic hook can reject it:
/// a panic aborts the module inside a task of the promise, which would otherwise never settle.
#[wasm_bindgen(js_name = analyzeFile, unchecked_return_type = "Promise<Report>")]
pub fn analyze_file(
    #[wasm_bindgen(unchecked_param_type = "Blob")] file: web_sys::Blob,
    #[wasm_bindgen(unchecked_param_type = "AnalyzeOptions | undefined")] options: JsValue,
) -> js_sys::Promise {
    let mut settle = None;
    // The executor runs before `Promise::new` returns.
    let promise = js_sys::Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
    let Some((resolve, reject)) = settle else {
        return promise;
    };
    let call = pending::add(reject.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let outcome = analyze_blob(file, options).await;
        pending::remove(call);
        let _ = match outcome {
            Ok(report) => resolve.call1(&JsValue::NULL, &report),
            Err(error) => reject.call1(&JsValue::NULL, &JsValue::from(error)),
        };
    });
    promise
}

async fn analyze_blob(file: web_sys::Blob, options: JsValue) -> Result<JsValue, JsError> {
    let file_name = js_sys::Reflect::get(&file, &"name".into())
        .ok()
        .and_then(|name| name.as_string())
        .unwrap_or_else(|| "input".to_owned());
    let (mut analysis, name) = start(&options, &file_name)?;
    let len = file.size() as u64;
    let format = match Format::from_name(&name) {
        Some(format) => format,
        None => Format::sniff(&read_range(&file, 0..len.min(64)).await.map_err(js_error)?),
    };
    match format {
        Format::Parquet => {
            add_parquet_ranges(&mut analysis, &name, len, |range| read_range(&file, range))
                .await
                .map_err(js_error)?;
        }
        Format::Csv => {
            let bytes = read_range(&file, 0..len).await.map_err(js_error)?;
            analysis
                .add_bytes(&name, bytes, Some(Format::Csv))
                .map_err(|error| JsError::new(&error.to_string()))?;
        }
    }
    to_js(&analysis.report())
}

/// A new analysis from the options object, and the input's name (`options.name` or `default`).
fn start(options: &JsValue, default: &str) -> Result<(Analysis, String), JsError> {
    let json = if options.is_undefined() || options.is_null() {
        None
    } else {
        js_sys::JSON::stringify(options)
            .map_err(|_| JsError::new("options: not a JSON-like object"))?
            .as_string()
    };
    let name = js_sys::Reflect::get(options, &"name".into())
        .ok()
        .and_then(|name| name.as_string())
        .unwrap_or_else(|| default.to_owned());
    // The engine reads no clock; "now" for the future-timestamp rule is the caller's.
    let clock_micros = (js_sys::Date::now() * 1000.0) as i64;
    let options = parse_options(json.as_deref(), clock_micros).map_err(js_error)?;
    let analysis = Analysis::new(options).map_err(|error| JsError::new(&error.to_string()))?;
    Ok((analysis, name))
}

/// `file.slice(start, end).arrayBuffer()`, as bytes.
async fn read_range(file: &web_sys::Blob, range: std::ops::Range<u64>) -> Result<Bytes, String> {
    let failed = |error: JsValue| {
        let detail = error
            .dyn_ref::<js_sys::Error>()
            .map(|error| String::from(error.message()))
            .unwrap_or_else(|| format!("{error:?}"));
        format!(
            "could not read bytes {}..{} of the file: {detail}",
            range.start, range.end
        )
    };
    let part = file
        .slice_with_f64_and_f64(range.start as f64, range.end as f64)
        .map_err(failed)?;
    let buffer = JsFuture::from(part.array_buffer()).await.map_err(failed)?;
    Ok(Bytes::from(js_sys::Uint8Array::new(&buffer).to_vec()))
}

/// The report as a plain JS object shaped as the CLI's JSON: `null` for absent values, objects
/// for maps, numbers for counts (all far below 2^53).
fn to_js(report: &Report) -> Result<JsValue, JsError> {
    use serde::Serialize;
    report
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|error| JsError::new(&format!("report: {error}")))
}

fn js_error(message: String) -> JsError {
    JsError::new(&message)
}

/// The `analyzeFile` calls not yet settled, by call number, with their promise's `reject`.
mod pending {
    use std::cell::RefCell;

    thread_local! {
        static CALLS: RefCell<(u32, Vec<(u32, js_sys::Function)>)> = const {
            RefCell::new((0, Vec::new()))
        };
    }

    pub(crate) fn add(reject: js_sys::Function) -> u32 {
        CALLS.with_borrow_mut(|(next, calls)| {
            *next = next.wrapping_add(1);
            calls.push((*next, reject));
            *next
        })
    }

    pub(crate) fn remove(call: u32) {
        CALLS.with_borrow_mut(|(_, calls)| calls.retain(|(id, _)| *id != call));
    }

    /// Every unsettled call's `reject`, leaving none (for the panic hook: no panic of its own).
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn take() -> Vec<js_sys::Function> {
        CALLS
            .try_with(|calls| {
                calls
                    .try_borrow_mut()
                    .map(|mut calls| calls.1.drain(..).map(|(_, reject)| reject).collect())
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    }
}

/// wasm32 cannot unwind, so a panic aborts the module: a call to `analyze` fails with
/// `RuntimeError: unreachable`. Before that, this hook says what the CLI prints for the same
/// input (for a decoder that panicked on malformed bytes, the file and the decoder's error) on
/// the console, and rejects every unsettled `analyzeFile` promise with it.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen(start)]
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let what = match coursepulse_engine::decoder_panic(info) {
            Some(error) => error.to_string(),
            None => format!(
                "a bug in CoursePulse: {}",
                info.to_string().replace('\n', " ")
            ),
        };
        let message = format!("{what}. This instance of the module has stopped: load it again.");
        console_error(&format!("coursepulse: {message}"));
        let error = js_sys::Error::new(&message);
        for reject in pending::take() {
            let _ = reject.call1(&JsValue::NULL, &error);
        }
    }));
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}
