//! How the worker talks about URLs: a failed request worded with its likeliest causes (CORS,
//! the site's `connect-src`), and a URL's file name. Used by the range reader and by `remote`.

use wasm_bindgen::{JsCast, JsValue};

/// A failed request step, with the likeliest causes.
pub fn failed(url: &str, what: &str, error: JsValue) -> String {
    let detail = error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .unwrap_or_else(|| format!("{error:?}"));
    format!("{url}: {what} ({detail}); {}", request_hint(url))
}

/// What to check when a request for `url` fails with no HTTP answer. A server on another origin
/// must allow this site (CORS), and a Content-Security-Policy header sent with this site's files
/// must list it in `connect-src` (the worker takes its policy from its script's header).
pub fn request_hint(url: &str) -> &'static str {
    if is_cross_origin(url) {
        "is the address right, does that server allow this site (CORS), and, if this site sends \
         a Content-Security-Policy header, does its connect-src list that server?"
    } else {
        "is the address right and is the server reachable?"
    }
}

/// Whether `url` is absolute and on another origin than this worker's (a relative URL is not).
fn is_cross_origin(url: &str) -> bool {
    let Ok(target) = web_sys::Url::new(url) else {
        return false;
    };
    let here = js_sys::global()
        .unchecked_into::<web_sys::WorkerGlobalScope>()
        .origin();
    target.origin() != here
}

/// The last path segment of a URL (`https://h/a/b.parquet?x` -> `b.parquet`).
pub fn url_file_name(url: &str) -> String {
    url.split(['?', '#'])
        .next()
        .and_then(|path| path.rsplit('/').next())
        .filter(|name| !name.is_empty())
        .unwrap_or(url)
        .to_owned()
}
