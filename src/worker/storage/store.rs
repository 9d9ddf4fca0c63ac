//! Keeps the saved datasets (blobs, see `saved.rs`; one per [`Slot`]) in this browser, worker only: in the Origin
//! Private File System, or in IndexedDB where OPFS is missing (older browsers, some private
//! modes). Both are reached through `Reflect` calls, since web-sys puts the File System API
//! behind an unstable cfg; every failure comes back as a sentence, never a panic.
//!
//! `save`, `load` and `clear` run one at a time: each is several awaited browser calls, and
//! interleaved (a store still writing when "Forget" erases) the later call would not win: a
//! forgotten dataset came back on the next visit before this.

use std::rc::Rc;

use futures::lock::Mutex;
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The IndexedDB database and store that hold the blobs (one key per [`Slot`]).
const DB_NAME: &str = "coursepulse";
const DB_STORE: &str = "datasets";
/// The single blob of earlier versions (OPFS file name and IndexedDB key): it may hold a salt,
/// so it is erased by the next save and by `clear`, and read only when no slot holds anything.
const LEGACY_FILE: &str = "coursepulse-dataset.bin";
const LEGACY_KEY: &str = "current";

/// Which stored dataset: the full app keeps what the user opened apart from what a `?src=` link
/// opened, so following a link never replaces the user's own data. The embed keeps nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Files the user picked or dropped in the full app.
    Files,
    /// The last `?src=` URL opened in the full app.
    Link,
}

impl Slot {
    /// Every slot, in the order a plain visit looks for something to show.
    pub const ALL: [Slot; 2] = [Slot::Files, Slot::Link];

    fn file_name(self) -> &'static str {
        match self {
            Slot::Files => "coursepulse-app-files.bin",
            Slot::Link => "coursepulse-app-link.bin",
        }
    }

    fn db_key(self) -> &'static str {
        match self {
            Slot::Files => "app-files",
            Slot::Link => "app-link",
        }
    }
}

thread_local! {
    /// Held for the whole of one `save`, `load` or `clear`.
    static QUEUE: Rc<Mutex<()>> = Rc::new(Mutex::new(()));
}

/// The queue; `queue().lock().await` waits until no other storage operation runs, and the turn
/// lasts until the guard is dropped.
fn queue() -> Rc<Mutex<()>> {
    QUEUE.with(Rc::clone)
}

/// Where the blob lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The Origin Private File System.
    Opfs,
    /// IndexedDB, when OPFS is unavailable.
    IndexedDb,
}

impl Backend {
    /// As shown on the page.
    pub fn label(self) -> &'static str {
        match self {
            Backend::Opfs => "Origin Private File System",
            Backend::IndexedDb => "IndexedDB",
        }
    }
}

/// The backend this browser offers, OPFS first.
pub async fn backend() -> Option<Backend> {
    if opfs_root().await.is_ok() {
        return Some(Backend::Opfs);
    }
    let global = js_sys::global();
    Reflect::get(&global, &"indexedDB".into())
        .ok()
        .filter(|value| !value.is_undefined() && !value.is_null())
        .map(|_| Backend::IndexedDb)
}

/// Stores `blob` in `slot` (replacing what was there); returns the backend used.
pub async fn save(slot: Slot, blob: &[u8]) -> Result<Backend, String> {
    let queue = queue();
    let _turn = queue.lock().await;
    let backend = backend()
        .await
        .ok_or("this browser offers neither the Origin Private File System nor IndexedDB")?;
    let bytes = Uint8Array::from(blob);
    match backend {
        Backend::Opfs => {
            let root = opfs_root().await?;
            let handle = call_async(
                &root,
                "getFileHandle",
                &[slot.file_name().into(), create_option()],
            )
            .await?;
            let writable = call_async(&handle, "createWritable", &[]).await?;
            call_async(&writable, "write", &[bytes.into()]).await?;
            call_async(&writable, "close", &[]).await?;
        }
        Backend::IndexedDb => {
            let store = db_store("readwrite").await?;
            let request = call(&store, "put", &[bytes.into(), slot.db_key().into()])?;
            request_done(&request).await?;
        }
    }
    erase(LEGACY_FILE, LEGACY_KEY).await?;
    Ok(backend)
}

/// The blob stored in `slot`, if any (for `Files`, an earlier version's single blob when the
/// slot is empty).
pub async fn load(slot: Slot) -> Result<Option<(Vec<u8>, Backend)>, String> {
    let queue = queue();
    let _turn = queue.lock().await;
    let found = load_named(slot.file_name(), slot.db_key()).await?;
    if found.is_none() && slot == Slot::Files {
        return load_named(LEGACY_FILE, LEGACY_KEY).await;
    }
    Ok(found)
}

async fn load_named(file_name: &str, db_key: &str) -> Result<Option<(Vec<u8>, Backend)>, String> {
    let Some(backend) = backend().await else {
        return Ok(None);
    };
    match backend {
        Backend::Opfs => {
            let root = opfs_root().await?;
            // A missing file is "nothing stored", not an error.
            let Ok(handle) = call_async(&root, "getFileHandle", &[file_name.into()]).await else {
                return Ok(None);
            };
            let file = call_async(&handle, "getFile", &[]).await?;
            let buffer = call_async(&file, "arrayBuffer", &[]).await?;
            Ok(Some((Uint8Array::new(&buffer).to_vec(), backend)))
        }
        Backend::IndexedDb => {
            let store = db_store("readonly").await?;
            let request = call(&store, "get", &[db_key.into()])?;
            let value = request_done(&request).await?;
            if value.is_undefined() || value.is_null() {
                return Ok(None);
            }
            Ok(Some((Uint8Array::new(&value).to_vec(), backend)))
        }
    }
}

/// Bytes stored now in every slot (0 when nothing is).
pub async fn size() -> u64 {
    let mut total = 0;
    for slot in Slot::ALL {
        total += load(slot)
            .await
            .ok()
            .flatten()
            .map_or(0, |(blob, _)| blob.len() as u64);
    }
    total
}

/// Erases `slot`'s blob from every backend.
pub async fn clear_slot(slot: Slot) -> Result<(), String> {
    let queue = queue();
    let _turn = queue.lock().await;
    erase(slot.file_name(), slot.db_key()).await
}

/// Erases every blob from every backend (one may hold a copy from a visit when OPFS was off).
pub async fn clear() -> Result<(), String> {
    let queue = queue();
    let _turn = queue.lock().await;
    for slot in Slot::ALL {
        erase(slot.file_name(), slot.db_key()).await?;
    }
    erase(LEGACY_FILE, LEGACY_KEY).await
}

/// Removes one blob from both backends; the caller holds the queue.
async fn erase(file_name: &str, db_key: &str) -> Result<(), String> {
    if let Ok(root) = opfs_root().await
        && call_async(&root, "getFileHandle", &[file_name.into()])
            .await
            .is_ok()
    {
        call_async(&root, "removeEntry", &[file_name.into()]).await?;
    }
    let global = js_sys::global();
    let has_indexed_db = Reflect::get(&global, &"indexedDB".into())
        .is_ok_and(|value| !value.is_undefined() && !value.is_null());
    if has_indexed_db {
        let store = db_store("readwrite").await?;
        let request = call(&store, "delete", &[db_key.into()])?;
        request_done(&request).await?;
    }
    Ok(())
}

async fn opfs_root() -> Result<JsValue, String> {
    let global = js_sys::global();
    let storage = Reflect::get(&global, &"navigator".into())
        .and_then(|navigator| Reflect::get(&navigator, &"storage".into()))
        .map_err(describe)?;
    if storage.is_undefined() || !Reflect::has(&storage, &"getDirectory".into()).unwrap_or(false) {
        return Err("no Origin Private File System".into());
    }
    call_async(&storage, "getDirectory", &[]).await
}

fn create_option() -> JsValue {
    let options = Object::new();
    let _ = Reflect::set(&options, &"create".into(), &JsValue::TRUE);
    options.into()
}

/// The object store, in a new transaction of `mode`; creates the database on first use.
async fn db_store(mode: &str) -> Result<JsValue, String> {
    let factory = Reflect::get(&js_sys::global(), &"indexedDB".into()).map_err(describe)?;
    let request = call(&factory, "open", &[DB_NAME.into(), 1.into()])?;
    let upgrade = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
        let database = Reflect::get(&event, &"target".into())
            .and_then(|target| Reflect::get(&target, &"result".into()));
        if let Ok(database) = database {
            let _ = call(&database, "createObjectStore", &[DB_STORE.into()]);
        }
    });
    let _ = Reflect::set(&request, &"onupgradeneeded".into(), upgrade.as_ref());
    let database = request_done(&request).await?;
    drop(upgrade);
    let transaction = call(&database, "transaction", &[DB_STORE.into(), mode.into()])?;
    call(&transaction, "objectStore", &[DB_STORE.into()])
}

/// Waits for an `IDBRequest`: its result, or its error as text.
async fn request_done(request: &JsValue) -> Result<JsValue, String> {
    let promise = Promise::new(&mut |resolve, reject| {
        let _ = Reflect::set(request, &"onsuccess".into(), &resolve);
        let _ = Reflect::set(request, &"onerror".into(), &reject);
    });
    JsFuture::from(promise).await.map_err(describe)?;
    Reflect::get(request, &"result".into()).map_err(describe)
}

fn call(target: &JsValue, method: &str, arguments: &[JsValue]) -> Result<JsValue, String> {
    let function: Function = Reflect::get(target, &method.into())
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| format!("{method} is not available in this browser"))?;
    let arguments: Array = arguments.iter().collect();
    function.apply(target, &arguments).map_err(describe)
}

async fn call_async(
    target: &JsValue,
    method: &str,
    arguments: &[JsValue],
) -> Result<JsValue, String> {
    let value = call(target, method, arguments)?;
    JsFuture::from(Promise::resolve(&value))
        .await
        .map_err(describe)
}

fn describe(error: JsValue) -> String {
    if let Some(error) = error.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    Reflect::get(&error, &"message".into())
        .ok()
        .and_then(|message| message.as_string())
        .or_else(|| {
            Reflect::get(&error, &"target".into())
                .and_then(|target| Reflect::get(&target, &"error".into()))
                .ok()
                .map(|inner| format!("{inner:?}"))
        })
        .unwrap_or_else(|| format!("{error:?}"))
}
