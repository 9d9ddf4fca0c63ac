//! The embed's postMessage API between `embed.html` (in an iframe) and the page that embeds it.
//!
//! The host sends `{type: 'coursepulse:open', file | buffer | url, name?}`; the embed answers
//! with `coursepulse:ready` (once, when it listens), `coursepulse:loaded` (headline figures of
//! every dashboard shown), `coursepulse:error` (the message shown) and `coursepulse:selection`
//! (the course the user selected, or `null`). Only the parent window is listened to, and when
//! the URL names an `origin=`, only messages from that origin; events go to that origin (or to
//! the parent, whatever its origin, when none is named). Anything else is ignored with a console
//! warning. The TypeScript shapes are in `www/embed/coursepulse.d.ts`.

use serde_json::{Value, json};

use crate::worker::protocol::Dashboard;

/// Who may talk to the embed, from the URL's `origin=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Allowed {
    /// No `origin=`: the parent window, whatever its origin (events are sent with `*`).
    Parent,
    /// Only the parent window at this origin.
    Only(String),
    /// `origin=` is not an origin: nobody (refusing beats guessing where learners' figures go).
    Nobody(String),
}

impl Allowed {
    /// From the URL's `origin=` value.
    pub fn from_param(origin: Option<&str>) -> Allowed {
        match origin {
            None => Allowed::Parent,
            Some(origin) if crate::url_state::is_origin(origin) => Allowed::Only(origin.to_owned()),
            Some(origin) => Allowed::Nobody(origin.to_owned()),
        }
    }

    /// `postMessage`'s target origin for events, or `None` when nothing may be sent.
    pub fn target_origin(&self) -> Option<&str> {
        match self {
            Allowed::Parent => Some("*"),
            Allowed::Only(origin) => Some(origin),
            Allowed::Nobody(_) => None,
        }
    }

    /// Why a message from `origin` is refused, or `None` when it is obeyed.
    pub fn refuses(&self, origin: &str) -> Option<String> {
        match self {
            Allowed::Parent => None,
            Allowed::Only(allowed) if allowed == origin => None,
            Allowed::Only(allowed) => Some(format!(
                "ignored a message from {origin}: this embed obeys only {allowed} (its origin= parameter)"
            )),
            Allowed::Nobody(written) => Some(format!(
                "ignored a message from {origin}: origin={written:?} is not an origin like https://lms.example.edu, so this embed obeys nobody"
            )),
        }
    }
}

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

/// The `coursepulse:error` event.
pub fn error_event(message: &str) -> Value {
    json!({ "type": "coursepulse:error", "message": message })
}

/// The `coursepulse:selection` event.
pub fn selection_event(course: Option<&str>) -> Value {
    json!({ "type": "coursepulse:selection", "course": course })
}

/// Starts listening to the parent and sending it events; does nothing outside an iframe.
pub fn install(state: crate::state::AppState, origin: Option<String>) {
    #[cfg(target_arch = "wasm32")]
    web::install(state, Allowed::from_param(origin.as_deref()));
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (state, origin);
}

#[cfg(target_arch = "wasm32")]
mod web {
    use leptos::prelude::*;
    use serde_json::Value;
    use wasm_bindgen::{JsCast, JsValue};

    use super::Allowed;
    use crate::state::AppState;

    fn warn(message: &str) {
        leptos::logging::warn!("CoursePulse embed: {message}");
    }

    /// The embedding window, or `None` when the page is not framed.
    fn parent() -> Option<web_sys::Window> {
        let own = window();
        let parent = own.parent().ok().flatten()?;
        (!js_sys::Object::is(&parent, &own)).then_some(parent)
    }

    fn post(allowed: &Allowed, event: &Value) {
        let (Some(parent), Some(target)) = (parent(), allowed.target_origin()) else {
            return;
        };
        if let Ok(value) = js_sys::JSON::parse(&event.to_string())
            && let Err(error) = parent.post_message(&value, target)
        {
            warn(&format!("could not send an event: {error:?}"));
        }
    }

    pub(super) fn install(state: AppState, allowed: Allowed) {
        if parent().is_none() {
            return;
        }
        if let Allowed::Nobody(written) = &allowed {
            warn(&format!(
                "origin={written:?} is not an origin like https://lms.example.edu: no message will be obeyed or sent"
            ));
        }
        let listening = allowed.clone();
        let _ = window_event_listener(leptos::ev::message, move |event| {
            receive(state, &listening, &event);
        });
        send_events(state, allowed.clone());
        post(
            &allowed,
            &serde_json::json!({ "type": "coursepulse:ready" }),
        );
    }

    /// Mirrors the state's changes to the host as events.
    fn send_events(state: AppState, allowed: Allowed) {
        let for_loaded = allowed.clone();
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
        let for_errors = allowed.clone();
        Effect::new(move |_| {
            if let Some(error) = state.error.get() {
                post(&for_errors, &super::error_event(&error.message));
            }
        });
        Effect::new(move |previous: Option<()>| {
            let course = state.selected_course.get();
            // The first run is the course the URL chose, not a user's selection.
            if previous.is_some() {
                post(&allowed, &super::selection_event(course.as_deref()));
            }
        });
    }

    fn receive(state: AppState, allowed: &Allowed, event: &web_sys::MessageEvent) {
        let from_parent = match (parent(), event.source()) {
            (Some(parent), Some(source)) => js_sys::Object::is(&parent, &source),
            _ => false,
        };
        if !from_parent {
            warn("ignored a message that did not come from the embedding page");
            return;
        }
        if let Some(reason) = allowed.refuses(&event.origin()) {
            warn(&reason);
            return;
        }
        if let Err(reason) = open(state, &event.data()) {
            warn(&format!("ignored a malformed message: {reason}"));
        }
    }

    fn field(data: &JsValue, name: &str) -> JsValue {
        js_sys::Reflect::get(data, &name.into()).unwrap_or(JsValue::UNDEFINED)
    }

    /// Acts on a `coursepulse:open` message; says what is wrong with anything else.
    fn open(state: AppState, data: &JsValue) -> Result<(), String> {
        if !data.is_object() {
            return Err("expected an object like {type: 'coursepulse:open', buffer}".into());
        }
        let kind = field(data, "type").as_string().unwrap_or_default();
        if kind != "coursepulse:open" {
            return Err(format!(
                "unknown type {kind:?}: the embed understands only 'coursepulse:open'"
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
            if url.trim().is_empty() {
                return Err("url is empty".into());
            }
            state.open_url(url.trim().to_owned());
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
    use crate::worker::protocol::{Cards, CourseView, Settings};

    #[test]
    fn origins_decide_who_is_obeyed_and_where_events_go() {
        let parent = Allowed::from_param(None);
        assert_eq!(parent.target_origin(), Some("*"));
        assert_eq!(parent.refuses("http://anything"), None);

        let only = Allowed::from_param(Some("http://localhost:4000"));
        assert_eq!(only.target_origin(), Some("http://localhost:4000"));
        assert_eq!(only.refuses("http://localhost:4000"), None);
        let refused = only.refuses("http://evil.test").unwrap();
        assert!(
            refused.contains("obeys only http://localhost:4000"),
            "{refused}"
        );

        let nobody = Allowed::from_param(Some("lms.example.edu"));
        assert_eq!(nobody.target_origin(), None);
        assert!(
            nobody
                .refuses("http://lms.example.edu")
                .unwrap()
                .contains("obeys nobody")
        );
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
        assert_eq!(error_event("bad")["message"], "bad");
        assert_eq!(selection_event(None)["course"], Value::Null);
    }
}
