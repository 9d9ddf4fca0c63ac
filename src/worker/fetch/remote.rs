//! Inputs from URLs (worker only): one data file, or a manifest (`manifest.json` or a plain list)
//! of many, each opened by range when its server allows it. A manifest's relative paths are the
//! inputs' names, so their `key=value` segments become partition columns.

use bytes::Bytes;
use coursepulse_engine::Format;
use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::DedicatedWorkerGlobalScope;

use crate::paths;
use crate::worker::fetch::file_chunks::{FileChunks, HttpSource};
use crate::worker::fetch::http::{failed, url_file_name};
use crate::worker::fetch::input::{ChunkReader, Input, MAX_CSV_BYTES, too_large_csv};

/// Every input `url` stands for: the files a manifest lists, or the file itself.
pub async fn open_url(scope: &DedicatedWorkerGlobalScope, url: &str) -> Result<Vec<Input>, String> {
    if !paths::is_manifest_url(url) {
        return Ok(vec![open_one(scope, url, url_file_name(url)).await?]);
    }
    let body = fetch_bytes(scope, url).await?;
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| format!("{url}: the manifest is not UTF-8 text"))?;
    let entries = paths::parse_manifest(&text, url)?;
    let mut inputs = Vec::with_capacity(entries.len());
    for entry in entries {
        inputs.push(open_one(scope, &entry.url, entry.name).await?);
    }
    Ok(inputs)
}

/// One remote file named `name`. Parquet is read by range (footer, then the needed column
/// chunks); CSV, or a server that ignores `Range`, is downloaded whole.
pub async fn open_one(
    scope: &DedicatedWorkerGlobalScope,
    url: &str,
    name: String,
) -> Result<Input, String> {
    let whole = |bytes: Bytes| Input {
        name: name.clone(),
        url: Some(url.to_owned()),
        reader: ChunkReader::Memory(bytes),
    };
    if Format::from_name(&name) == Some(Format::Csv) {
        let refuse = |size| too_large_csv(&name, size);
        return Ok(whole(
            fetch_at_most(scope, url, MAX_CSV_BYTES, refuse).await?,
        ));
    }
    Ok(match FileChunks::http(url)? {
        HttpSource::Ranges(chunks) => Input {
            name: name.clone(),
            url: Some(url.to_owned()),
            reader: ChunkReader::File(chunks),
        },
        HttpSource::Whole(bytes) => whole(bytes),
        HttpSource::Download => {
            let refuse = |size| {
                format!(
                    "{name} is {}: its server does not answer range requests, so it would be \
                     downloaded whole, and this browser holds at most {} that way. Serve it from \
                     a server that allows range requests (most static hosts do), or open it from \
                     a local copy.",
                    crate::format::bytes(size),
                    crate::format::bytes(MAX_WHOLE_BYTES)
                )
            };
            whole(fetch_at_most(scope, url, MAX_WHOLE_BYTES, refuse).await?)
        }
    })
}

/// The largest Parquet file downloaded whole (from a server without range requests): the bytes
/// stay in the worker's memory, at most 4 GB, beside what decoding them takes.
const MAX_WHOLE_BYTES: u64 = 2_000_000_000;

/// The whole body of `url`, unless its `Content-Length` is above `limit`: then `refuse(size)`,
/// before a byte of the body is read.
async fn fetch_at_most(
    scope: &DedicatedWorkerGlobalScope,
    url: &str,
    limit: u64,
    refuse: impl Fn(u64) -> String,
) -> Result<Bytes, String> {
    let response = fetch_response(scope, url).await?;
    let announced = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|length| length.trim().parse::<u64>().ok());
    if let Some(size) = announced.filter(|&size| size > limit) {
        // Stop the download now rather than when the response is collected.
        if let Some(body) = response.body() {
            let _ = body.cancel();
        }
        return Err(refuse(size));
    }
    response_body(&response, url).await
}

/// The whole body of `url`; errors name the URL and what went wrong.
pub async fn fetch_bytes(scope: &DedicatedWorkerGlobalScope, url: &str) -> Result<Bytes, String> {
    let response = fetch_response(scope, url).await?;
    response_body(&response, url).await
}

/// A successful response from `url` (headers in, body not yet read).
async fn fetch_response(
    scope: &DedicatedWorkerGlobalScope,
    url: &str,
) -> Result<web_sys::Response, String> {
    let response = JsFuture::from(scope.fetch_with_str(url))
        .await
        .map_err(|error| failed(url, "could not fetch", error))?;
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

async fn response_body(response: &web_sys::Response, url: &str) -> Result<Bytes, String> {
    let buffer = response
        .array_buffer()
        .map_err(|error| failed(url, "could not read the body", error))?;
    let buffer = JsFuture::from(buffer)
        .await
        .map_err(|error| failed(url, "could not read the body", error))?;
    Ok(Bytes::from(Uint8Array::new(&buffer).to_vec()))
}
