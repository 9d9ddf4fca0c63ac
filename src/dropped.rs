//! Folders dropped on the page (page only): the drop's entries (`webkitGetAsEntry`) are walked
//! directory by directory, and every file is named by its path inside the dropped folder, as the
//! folder picker names them, so hive partitions apply. Reached through `Reflect`: the entry
//! interfaces are not in web-sys's stable set.

use js_sys::{Array, Function, Promise, Reflect};
use leptos::prelude::Set;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{DataTransfer, File};

use crate::components::header::open_named;
use crate::state::AppState;
use crate::worker::protocol::ErrorView;

/// Opens what was dropped when it holds a folder; false leaves plain files to the caller.
/// The entries must be taken during the drop event (the browser empties the list after it).
pub fn open_dropped_folders(state: AppState, transfer: &DataTransfer) -> bool {
    let Ok(items) = Reflect::get(transfer, &"items".into()) else {
        return false;
    };
    let length = Reflect::get(&items, &"length".into())
        .ok()
        .and_then(|length| length.as_f64())
        .unwrap_or(0.0) as u32;
    let mut entries = Vec::new();
    for index in 0..length {
        let Ok(item) = Reflect::get(&items, &index.into()) else {
            continue;
        };
        if let Ok(entry) = call(&item, "webkitGetAsEntry", &[])
            && !entry.is_null()
            && !entry.is_undefined()
        {
            entries.push(entry);
        }
    }
    if !entries.iter().any(|entry| flag(entry, "isDirectory")) {
        return false;
    }
    spawn_local(async move {
        let single_folder = entries.len() == 1;
        let folder_name = single_folder.then(|| text(&entries[0], "name"));
        match walk(entries).await {
            Ok(files) => match crate::paths::data_files(files) {
                Some(kept) => open_named(state, kept, folder_name, true, false),
                None => state
                    .error
                    .set(Some(ErrorView::new(crate::paths::empty_folder_message(
                        &folder_name.unwrap_or_else(|| "the dropped folder".into()),
                    )))),
            },
            Err(message) => state.error.set(Some(ErrorView::new(format!(
                "the dropped folder could not be read: {message}"
            )))),
        }
    });
    true
}

/// Every file below the dropped entries, named relative to the dropped folder it is in.
async fn walk(entries: Vec<JsValue>) -> Result<Vec<(String, File)>, String> {
    let mut files = Vec::new();
    // (entry, its path relative to its dropped folder); a dropped folder itself has "".
    let mut stack: Vec<(JsValue, String)> = entries
        .into_iter()
        .map(|entry| {
            let name = if flag(&entry, "isDirectory") {
                String::new()
            } else {
                text(&entry, "name")
            };
            (entry, name)
        })
        .collect();
    while let Some((entry, path)) = stack.pop() {
        if flag(&entry, "isDirectory") {
            let reader = call(&entry, "createReader", &[])?;
            // readEntries gives at most ~100 entries a call; call until it gives none.
            loop {
                let batch = callback_promise(&reader, "readEntries").await?;
                let batch = Array::from(&batch);
                if batch.length() == 0 {
                    break;
                }
                for child in batch.iter() {
                    let name = text(&child, "name");
                    let child_path = if path.is_empty() {
                        name
                    } else {
                        format!("{path}/{name}")
                    };
                    stack.push((child, child_path));
                }
            }
        } else if flag(&entry, "isFile") {
            let file: File = callback_promise(&entry, "file")
                .await?
                .dyn_into()
                .map_err(|_| format!("{path} is not a file"))?;
            files.push((path, file));
        }
    }
    Ok(files)
}

/// Calls a callback-style method (`method(onSuccess, onError)`) and waits for it.
async fn callback_promise(target: &JsValue, method: &str) -> Result<JsValue, String> {
    let function: Function = Reflect::get(target, &method.into())
        .map_err(|error| format!("{error:?}"))?
        .dyn_into()
        .map_err(|_| format!("{method} is not available in this browser"))?;
    let target = target.clone();
    let promise = Promise::new(&mut |resolve, reject| {
        if let Err(error) = function.call2(&target, &resolve, &reject) {
            let _ = reject.call1(&JsValue::NULL, &error);
        }
    });
    JsFuture::from(promise).await.map_err(|error| {
        Reflect::get(&error, &"message".into())
            .ok()
            .and_then(|message| message.as_string())
            .unwrap_or_else(|| format!("{error:?}"))
    })
}

fn call(target: &JsValue, method: &str, arguments: &[JsValue]) -> Result<JsValue, String> {
    let function: Function = Reflect::get(target, &method.into())
        .map_err(|error| format!("{error:?}"))?
        .dyn_into()
        .map_err(|_| format!("{method} is not available in this browser"))?;
    let arguments: Array = arguments.iter().collect();
    function
        .apply(target, &arguments)
        .map_err(|error| format!("{error:?}"))
}

fn flag(target: &JsValue, name: &str) -> bool {
    Reflect::get(target, &name.into())
        .ok()
        .and_then(|value| value.as_bool())
        .unwrap_or(false)
}

fn text(target: &JsValue, name: &str) -> String {
    Reflect::get(target, &name.into())
        .ok()
        .and_then(|value| value.as_string())
        .unwrap_or_default()
}
