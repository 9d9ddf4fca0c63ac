//! What a build that aborts on panic (the wasm worker) can say about a decoder panic: a panic
//! hook asks `decoder_panic` and gets the very error a native build returns. In its own test
//! binary, since it replaces the process-wide panic hook.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use coursepulse_engine::{Analysis, Options, decoder_panic};

const CORPUS_FILE: &str = "fuzz-parquet-dictionary-decoder-not-set.parquet";

fn corpus_file() -> Bytes {
    let path = format!(
        "{}/../../tests/bad-inputs/{CORPUS_FILE}",
        env!("CARGO_MANIFEST_DIR")
    );
    Bytes::from(std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}")))
}

#[test]
fn a_panic_hook_hears_the_error_a_native_build_returns() {
    // Natively the engine catches the panic: this is the CLI's message.
    let native = Analysis::new(Options::default())
        .unwrap()
        .add_parquet(CORPUS_FILE, corpus_file())
        .unwrap_err()
        .to_string();
    assert!(
        native.starts_with(&format!(
            "{CORPUS_FILE}: the Parquet decoder failed on malformed data: "
        )),
        "{native}"
    );

    // A hook of our own, as the worker installs: it sees the panic before anything else does.
    let heard = Arc::new(Mutex::new(Vec::new()));
    let record = heard.clone();
    std::panic::set_hook(Box::new(move |info| {
        record
            .lock()
            .unwrap()
            .push(decoder_panic(info).map(|error| error.to_string()));
    }));
    let again = Analysis::new(Options::default())
        .unwrap()
        .add_parquet(CORPUS_FILE, corpus_file());
    assert!(again.is_err());
    let outside = std::panic::catch_unwind(|| panic!("not in a decoder"));
    let _ = std::panic::take_hook();
    assert!(outside.is_err());

    let heard = heard.lock().unwrap();
    assert_eq!(heard.len(), 2, "{heard:?}");
    assert_eq!(heard[0].as_deref(), Some(native.as_str()));
    assert_eq!(
        heard[1], None,
        "a panic outside every decoder is not a decoder's"
    );
}
