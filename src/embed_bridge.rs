//! The embed's postMessage API between `embed.html` (in an iframe) and the page that embeds it.
//!
//! The host sends `{type: 'coursepulse:open', file | buffer | url, name?}` (and may send
//! `{type: 'coursepulse:salt', salt}`, kept in memory only, and `coursepulse:hello`); the embed answers
//! with `coursepulse:ready` (once, when it listens), `coursepulse:loaded` (headline figures of
//! every dashboard shown), `coursepulse:error` (a code and a generic sentence, never the message
//! shown, which may quote the data) and `coursepulse:selection` (the course the user selected,
//! or `null`). The TypeScript shapes are in `www/embed/coursepulse.d.ts`.
//!
//! Who may embed is the deployment's choice (`embed-config.json`, see `embed_policy.rs`), not the
//! URL's. A framed embed first reads that config, then finds its embedder: from
//! `location.ancestorOrigins` where the browser has it (every ancestor must be allowed), else
//! from the first message the parent sends (`coursepulse:hello` or any other), whose origin must
//! be allowed. Until then, and for ever when the embedder is refused, it opens nothing (not even
//! `?src=`), obeys no message and sends no event; events only ever go to the embedder's origin,
//! never to `'*'`. `src` and `url` are limited to the embed's own site and the listed origins.

use serde_json::{Value, json};

use crate::worker::protocol::{Dashboard, ErrorView};

/// What an embed framed by a page it does not allow shows (inside the frame only, instead of
/// the dashboard and its file picker).
pub const REFUSED_EMBEDDER: &str = "This dashboard may not be embedded on this site: its \
deployment lists the sites that may embed it (embed-config.json).";

/// The `coursepulse:loaded` event for a dashboard: headline figures only, never learner ids.
pub fn loaded_event(dashboard: &Dashboard, source: Option<&str>) -> Value {
    let cards = &dashboard.cards;
    json!({
        "type": "coursepulse:loaded",
        "source": source,
        "rows": cards.rows,
        "studentRows": cards.student_rows,
        "learners": cards.learners,
        "courses": cards.courses,
        "videos": cards.videos,
        "meanCompletion": cards.mean_completion,
        "duplicatesRemoved": cards.duplicates_removed,
        "filteredOut": cards.filtered_out,
        "rulesFailed": cards.rules_failed,
        "rulesWarned": cards.rules_warned,
        "qualityPassed": dashboard.quality_passed,
        "courseKeys": dashboard.courses.iter().map(|course| course.course.clone()).collect::<Vec<_>>(),
        "filter": dashboard.settings.courses,
        "masked": dashboard.settings.mask,
    })
}

/// The `coursepulse:error` event for a failure: a code and a fixed sentence. The message the
/// embed shows is not sent: it may quote the file (its column names, a snippet of its first
/// line), and the host did not necessarily have the right to read that file.
pub fn error_event(error: &ErrorView) -> Value {
    let (code, message) = if error.message == crate::embed_policy::URL_REFUSED {
        ("url-refused", crate::embed_policy::URL_REFUSED)
    } else if error.mapping.is_some() {
        (
            "columns",
            "The data's columns need mapping; the embedded dashboard shows which.",
        )
    } else {
        (
            "load-failed",
            "The data could not be read; the embedded dashboard shows why.",
        )
    };
    json!({ "type": "coursepulse:error", "code": code, "message": message })
}

/// The `coursepulse:selection` event.
pub fn selection_event(course: Option<&str>) -> Value {
    json!({ "type": "coursepulse:selection", "course": course })
}

/// Starts the embed: reads the deployment's config, finds the embedder, then listens to it,
/// sends it events and opens `?src=` (when allowed). Outside an iframe only the `?src=` check
/// applies.
pub fn start(state: crate::state::AppState) {
    #[cfg(target_arch = "wasm32")]
    web::start(state);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = state;
}

#[cfg(target_arch = "wasm32")]
mod web {
    use std::cell::RefCell;
    use std::rc::Rc;

    use leptos::prelude::*;
    use serde_json::Value;
    use wasm_bindgen::{JsCast, JsValue};

    use crate::embed_policy::{CONFIG_FILE, EmbedPolicy, Embedder, URL_REFUSED};
    use crate::state::AppState;
    use crate::worker::protocol::ErrorView;

    /// What the bridge knows: the policy (once the config is read) and the embedder (once
    /// found). Events and messages wait for both.
    #[derive(Default)]
    struct Bridge {
        policy: Option<EmbedPolicy>,
        embedder: Option<String>,
        refused: bool,
    }

    type Shared = Rc<RefCell<Bridge>>;

    fn warn(message: &str) {
        leptos::logging::warn!("CoursePulse embed: {message}");
    }

    /// The embedding window, or `None` when the page is not framed.
    fn parent() -> Option<web_sys::Window> {
        let own = window();
        let parent = own.parent().ok().flatten()?;
        (!js_sys::Object::is(&parent, &own)).then_some(parent)
    }

    fn own_origin() -> String {
        window().location().origin().unwrap_or_default()
    }

    /// `location.ancestorOrigins`, parent first, where the browser has it.
    fn ancestor_origins() -> Option<Vec<String>> {
        let list = js_sys::Reflect::get(&window().location(), &"ancestorOrigins".into()).ok()?;
        if list.is_undefined() || list.is_null() {
            return None;
        }
        let length = js_sys::Reflect::get(&list, &"length".into())
            .ok()?
            .as_f64()? as u32;
        (0..length)
            .map(|index| js_sys::Reflect::get_u32(&list, index).ok()?.as_string())
            .collect()
    }

    /// Sends `event` to the embedder; nothing before it is known, nothing to any other origin.
    fn post(bridge: &Shared, event: &Value) {
        let Some(target) = bridge.borrow().embedder.clone() else {
            return;
        };
        let Some(parent) = parent() else {
            return;
        };
        if let Ok(value) = js_sys::JSON::parse(&event.to_string())
            && let Err(error) = parent.post_message(&value, &target)
        {
            warn(&format!("could not send an event: {error:?}"));
        }
    }

    pub(super) fn start(state: AppState) {
        let bridge: Shared = Rc::default();
        let framed = parent().is_some();
        if framed {
            let listening = bridge.clone();
            let _ = window_event_listener(leptos::ev::message, move |event| {
                receive(state, &listening, &event);
            });
            send_events(state, bridge.clone());
        }
        wasm_bindgen_futures::spawn_local(async move {
            let policy = read_policy().await;
            bridge.borrow_mut().policy = Some(policy.clone());
            if !framed {
                open_src(state, &policy);
                return;
            }
            match policy.embedder(ancestor_origins().as_deref()) {
                Embedder::Allowed(origin) => accept(state, &bridge, origin),
                Embedder::Refused(origin) => refuse(state, &bridge, &origin),
                // The first message from an allowed parent decides (see `receive`). The ready
                // event goes to each allowed origin: the browser delivers it only where the
                // parent's origin is that one, so a refused parent hears nothing.
                Embedder::Unknown => {
                    if let Some(parent) = parent() {
                        let ready = ready_message();
                        for origin in policy.origins() {
                            let _ = parent.post_message(&ready, &origin);
                        }
                    }
                }
            }
        });
    }

    fn ready_message() -> JsValue {
        js_sys::JSON::parse(r#"{"type":"coursepulse:ready"}"#).unwrap_or(JsValue::NULL)
    }

    /// The embedder is allowed: events go to it, and `?src=` opens.
    fn accept(state: AppState, bridge: &Shared, origin: String) {
        bridge.borrow_mut().embedder = Some(origin);
        post(bridge, &serde_json::json!({ "type": "coursepulse:ready" }));
        let policy = bridge.borrow().policy.clone();
        if let Some(policy) = policy {
            open_src(state, &policy);
        }
    }

    /// The embedder is not allowed: nothing is opened, obeyed or sent; the frame says why.
    fn refuse(state: AppState, bridge: &Shared, origin: &str) {
        bridge.borrow_mut().refused = true;
        warn(&format!(
            "{origin} may not embed this dashboard (not in {CONFIG_FILE}): it opens nothing, obeys no message and sends no event"
        ));
        state.refused.set(true);
    }

    /// The deployment's policy; same origin only when the config is missing or wrong.
    async fn read_policy() -> EmbedPolicy {
        let own = own_origin();
        match fetch_text(CONFIG_FILE).await {
            Ok(Some(text)) => EmbedPolicy::from_config(&text, &own).unwrap_or_else(|error| {
                warn(&format!("{error}; only {own} may embed this dashboard"));
                EmbedPolicy::same_origin_only(&own)
            }),
            Ok(None) => EmbedPolicy::same_origin_only(&own),
            Err(error) => {
                warn(&format!(
                    "could not read {CONFIG_FILE} ({error}); only {own} may embed this dashboard"
                ));
                EmbedPolicy::same_origin_only(&own)
            }
        }
    }

    /// The text at `path` (next to this page), `None` on a 404; never from a cache.
    async fn fetch_text(path: &str) -> Result<Option<String>, String> {
        let init = web_sys::RequestInit::new();
        init.set_cache(web_sys::RequestCache::NoStore);
        init.set_credentials(web_sys::RequestCredentials::SameOrigin);
        let promise = window().fetch_with_str_and_init(path, &init);
        let response = wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .map_err(|error| format!("{error:?}"))?
            .dyn_into::<web_sys::Response>()
            .map_err(|_| "not a Response".to_owned())?;
        if response.status() == 404 {
            return Ok(None);
        }
        if !response.ok() {
            return Err(format!("HTTP {}", response.status()));
        }
        let text = response.text().map_err(|error| format!("{error:?}"))?;
        let text = wasm_bindgen_futures::JsFuture::from(text)
            .await
            .map_err(|error| format!("{error:?}"))?;
        Ok(text.as_string())
    }

    /// Opens `?src=` when the policy allows its URL; says so in the frame when not.
    fn open_src(state: AppState, policy: &EmbedPolicy) {
        let Some(src) = state.src.get_untracked() else {
            return;
        };
        match policy.check_url(&src) {
            Ok(()) => state.open_src(),
            Err(reason) => {
                warn(&format!("did not open src={src:?}: {reason}"));
                state.src.set(None);
                state.error.set(Some(ErrorView::new(URL_REFUSED)));
            }
        }
    }

    /// Mirrors the state's changes to the embedder as events.
    fn send_events(state: AppState, bridge: Shared) {
        let for_loaded = bridge.clone();
        Effect::new(move |_| {
            // Bumped with every dashboard shown (a load, a filter change, a re-list).
            if state.generation.get() == 0 {
                return;
            }
            let label = state.data_label.get_untracked();
            state.dashboard.with_untracked(|dashboard| {
                if let Some(dashboard) = dashboard {
                    post(
                        &for_loaded,
                        &super::loaded_event(dashboard, label.as_deref()),
                    );
                }
            });
        });
        let for_errors = bridge.clone();
        Effect::new(move |_| {
            if let Some(error) = state.error.get() {
                post(&for_errors, &super::error_event(&error));
            }
        });
        Effect::new(move |previous: Option<()>| {
            let course = state.selected_course.get();
            // The first run is the course the URL chose, not a user's selection.
            if previous.is_some() {
                post(&bridge, &super::selection_event(course.as_deref()));
            }
        });
    }

    fn receive(state: AppState, bridge: &Shared, event: &web_sys::MessageEvent) {
        let from_parent = match (parent(), event.source()) {
            (Some(parent), Some(source)) => js_sys::Object::is(&parent, &source),
            _ => false,
        };
        if !from_parent {
            warn("ignored a message that did not come from the embedding page");
            return;
        }
        let origin = event.origin();
        let (policy, embedder, refused) = {
            let bridge = bridge.borrow();
            (
                bridge.policy.clone(),
                bridge.embedder.clone(),
                bridge.refused,
            )
        };
        if refused {
            warn(&format!(
                "ignored a message from {origin}: this page may not embed this dashboard"
            ));
            return;
        }
        let Some(policy) = policy else {
            warn(&format!(
                "ignored a message from {origin}: the embed is not ready (wait for coursepulse:ready)"
            ));
            return;
        };
        match embedder {
            Some(embedder) if embedder == origin => {}
            Some(embedder) => {
                warn(&format!(
                    "ignored a message from {origin}: this embed obeys only {embedder}"
                ));
                return;
            }
            // No ancestor list: the first message from an allowed origin names the embedder.
            None if policy.allows(&origin) => accept(state, bridge, origin),
            None => {
                warn(&format!(
                    "ignored a message from {origin}: not in {CONFIG_FILE}"
                ));
                return;
            }
        }
        if let Err(reason) = open(state, &policy, &event.data()) {
            warn(&format!("ignored a malformed message: {reason}"));
        }
    }

    fn field(data: &JsValue, name: &str) -> JsValue {
        js_sys::Reflect::get(data, &name.into()).unwrap_or(JsValue::UNDEFINED)
    }

    /// Acts on a `coursepulse:open` message; says what is wrong with anything else.
    fn open(state: AppState, policy: &EmbedPolicy, data: &JsValue) -> Result<(), String> {
        if !data.is_object() {
            return Err("expected an object like {type: 'coursepulse:open', buffer}".into());
        }
        let kind = field(data, "type").as_string().unwrap_or_default();
        if kind == "coursepulse:hello" {
            return Ok(());
        }
        if kind == "coursepulse:salt" {
            let salt = field(data, "salt")
                .as_string()
                .ok_or("a coursepulse:salt message carries salt, a string")?;
            // In memory only, like the app's salt field; masking stays on as the URL set it.
            state
                .settings
                .update(|settings| settings.salt = Some(salt).filter(|salt| !salt.is_empty()));
            state.relist();
            return Ok(());
        }
        if kind != "coursepulse:open" {
            return Err(format!(
                "unknown type {kind:?}: the embed understands only 'coursepulse:open', 'coursepulse:salt' and 'coursepulse:hello'"
            ));
        }
        let (file, buffer, url) = (
            field(data, "file"),
            field(data, "buffer"),
            field(data, "url"),
        );
        let given = [&file, &buffer, &url]
            .iter()
            .filter(|value| !value.is_undefined() && !value.is_null())
            .count();
        if given != 1 {
            return Err(format!(
                "a coursepulse:open message carries exactly one of file, buffer or url; this one has {given}"
            ));
        }
        let name = field(data, "name")
            .as_string()
            .filter(|name| !name.is_empty());
        if let Some(url) = url.as_string() {
            let url = url.trim().to_owned();
            if let Err(reason) = policy.check_url(&url) {
                // Cleared first, so a second refusal in a row is a change the host hears too.
                state.error.set(None);
                state.error.set(Some(ErrorView::new(URL_REFUSED)));
                return Err(format!("did not open {url:?}: {reason}"));
            }
            state.open_url(url);
            return Ok(());
        }
        if !url.is_undefined() && !url.is_null() {
            return Err("url must be a string".into());
        }
        let file = if let Some(file) = file.dyn_ref::<web_sys::File>() {
            file.clone()
        } else if file.is_instance_of::<web_sys::Blob>() {
            new_file(&file, name.as_deref().unwrap_or("file"))?
        } else if !file.is_undefined() && !file.is_null() {
            return Err("file must be a File or a Blob".into());
        } else if buffer.is_instance_of::<js_sys::ArrayBuffer>()
            || js_sys::ArrayBuffer::is_view(&buffer)
        {
            new_file(&buffer, name.as_deref().unwrap_or("buffer"))?
        } else {
            return Err("buffer must be an ArrayBuffer or a typed array".into());
        };
        let label = name.unwrap_or_else(|| file.name());
        state.open_files(js_sys::Array::of1(&file), Vec::new(), label);
        Ok(())
    }

    /// A `File` over bytes the host sent, so the worker reads it like a picked file.
    fn new_file(part: &JsValue, name: &str) -> Result<web_sys::File, String> {
        web_sys::File::new_with_blob_sequence(&js_sys::Array::of1(part), name)
            .map_err(|error| format!("could not wrap the bytes in a File: {error:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::protocol::{Cards, CourseView, ErrorView, Settings};

    #[test]
    fn error_events_carry_a_code_and_never_the_message_shown() {
        let quoting = ErrorView::new(
            "week.csv: no completion column; file has: secret_id, grade, first line \"S0001,93\"",
        );
        let event = error_event(&quoting);
        assert_eq!(event["type"], "coursepulse:error");
        assert_eq!(event["code"], "load-failed");
        let text = event.to_string();
        for leaked in ["week.csv", "secret_id", "S0001", "file has"] {
            assert!(!text.contains(leaked), "{leaked} in {text}");
        }
        let refused = error_event(&ErrorView::new(crate::embed_policy::URL_REFUSED));
        assert_eq!(refused["code"], "url-refused");
        let mapping = ErrorView {
            mapping: Some(crate::worker::protocol::MappingHelp {
                source: "week.csv".into(),
                columns: vec!["a".into()],
                events: false,
            }),
            ..ErrorView::new("columns a, b")
        };
        assert_eq!(error_event(&mapping)["code"], "columns");
        assert!(!error_event(&mapping).to_string().contains("columns a, b"));
    }

    #[test]
    fn the_loaded_event_has_headline_figures_and_no_learners() {
        let dashboard = Dashboard {
            cards: Cards {
                rows: 120,
                learners: 7,
                courses: 1,
                mean_completion: Some(61.5),
                rules_failed: 2,
                ..Cards::default()
            },
            courses: vec![CourseView {
                course: "CSC101".into(),
                ..CourseView::default()
            }],
            settings: Settings {
                courses: vec!["CSC101".into()],
                mask: true,
                ..Settings::default()
            },
            ..Dashboard::default()
        };
        let event = loaded_event(&dashboard, Some("week.parquet"));
        assert_eq!(event["type"], "coursepulse:loaded");
        assert_eq!(event["rows"], 120);
        assert_eq!(event["learners"], 7);
        assert_eq!(event["meanCompletion"], 61.5);
        assert_eq!(event["rulesFailed"], 2);
        assert_eq!(event["courseKeys"], json!(["CSC101"]));
        assert_eq!(event["filter"], json!(["CSC101"]));
        assert_eq!(event["masked"], true);
        assert_eq!(event["source"], "week.parquet");
        assert_eq!(selection_event(None)["course"], Value::Null);
    }
}
