//! The share worker's side of reading in shares (worker only): a worker started by a
//! coordinator gets one `{ share, files }` job, reads that share's row groups by range, reports
//! progress as it goes, and answers with its analysis as part bytes (the buffer transferred,
//! not copied). It reads without yielding: nothing else is asked of it, and the coordinator
//! ends it with `terminate` on a cancel.

use coursepulse_engine::{Analysis, ParquetFile, Partitioning, ReadPlan, Share};
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::Serialize as _;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, File};

use crate::worker::fetch::file_chunks::FileChunks;
use crate::worker::fetch::input::ChunkReader;
use crate::worker::shared::YIELD_AFTER_MS;
use crate::worker::shares::split::{ShareJob, ShareReport};

/// Whether a message to this worker is a share job (not a page's request).
pub fn is_share_job(data: &JsValue) -> bool {
    Reflect::get(data, &"share".into()).is_ok_and(|job| job.is_object())
}

/// Reads the share job `data` and answers the coordinator.
pub fn serve(scope: &DedicatedWorkerGlobalScope, data: &JsValue) {
    match read_share(scope, data) {
        Ok((part, bytes_read)) => {
            let array = Uint8Array::from(part.as_slice());
            // Dropped before posting: the worker then holds the part once, in the JS buffer.
            drop(part);
            let sent = post(scope, &ShareReport::Done { bytes_read }, Some(&array));
            if let Err(message) = sent {
                let _ = post(scope, &ShareReport::Failed { message }, None);
            }
        }
        Err(message) => {
            let _ = post(scope, &ShareReport::Failed { message }, None);
        }
    }
}

fn post(
    scope: &DedicatedWorkerGlobalScope,
    report: &ShareReport,
    part: Option<&Uint8Array>,
) -> Result<(), String> {
    let value = report
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|error| format!("cannot send a share's answer: {error}"))?;
    let envelope = Object::new();
    let _ = Reflect::set(&envelope, &"share_report".into(), &value);
    match part {
        Some(part) => {
            let _ = Reflect::set(&envelope, &"part".into(), part);
            let transfer = Array::of1(&part.buffer());
            scope.post_message_with_transfer(&envelope, &transfer)
        }
        None => scope.post_message(&envelope),
    }
    .map_err(|error| format!("cannot send a share's answer: {error:?}"))
}

/// The share's analysis as part bytes, and the bytes fetched from each input.
fn read_share(
    scope: &DedicatedWorkerGlobalScope,
    data: &JsValue,
) -> Result<(Vec<u8>, Vec<u64>), String> {
    let job: ShareJob = Reflect::get(data, &"share".into())
        .map_err(|error| format!("{error:?}"))
        .and_then(|job| serde_wasm_bindgen::from_value(job).map_err(|error| error.to_string()))
        .map_err(|error| format!("malformed share job: {error}"))?;
    let handles = Reflect::get(data, &"files".into())
        .ok()
        .filter(Array::is_array)
        .map(|handles| Array::from(&handles))
        .unwrap_or_default();
    let options = crate::settings::options(&job.settings, job.now_micros)?;
    let text = |error: coursepulse_engine::Error| error.to_string();
    let mut analysis = Analysis::new(options).map_err(text)?;
    if job.keep_rows {
        analysis.keep_rows().map_err(text)?;
    }
    analysis
        .set_partitioning(Partitioning::infer(&job.names))
        .map_err(text)?;
    let mut readers = Vec::with_capacity(job.inputs.len());
    let mut files = Vec::with_capacity(job.inputs.len());
    for (index, input) in job.inputs.iter().enumerate() {
        let file = handles
            .get(index as u32)
            .dyn_into::<File>()
            .map_err(|_| format!("{}: the share job carries no file", input.name))?;
        if file.size() as u64 != input.size {
            return Err(format!("{}: the file changed size", input.name));
        }
        let chunks = FileChunks::register(file);
        files
            .push(ParquetFile::open(&input.name, ChunkReader::File(chunks.clone())).map_err(text)?);
        readers.push(chunks);
    }
    let share = Share {
        start: job.start,
        end: job.end,
    };
    let mut plan = ReadPlan::for_share(&mut analysis, &files, &share).map_err(text)?;
    let (mut groups_done, mut bytes_done) = (0, 0);
    let mut last = js_sys::Date::now();
    while let Some(step) = plan.next_step(&mut analysis).map_err(text)? {
        let file = &files[step.file];
        plan.read(&mut analysis, file, step).map_err(text)?;
        groups_done += 1;
        bytes_done += file.row_group_bytes(step.row_group);
        if js_sys::Date::now() - last >= YIELD_AFTER_MS {
            let _ = post(
                scope,
                &ShareReport::Progress {
                    groups_done,
                    bytes_done,
                },
                None,
            );
            last = js_sys::Date::now();
        }
    }
    plan.finish(&mut analysis).map_err(text)?;
    let part = analysis.save_part().map_err(text)?;
    drop(analysis);
    Ok((part, readers.iter().map(FileChunks::bytes_read).collect()))
}
