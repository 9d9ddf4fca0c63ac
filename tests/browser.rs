//! In headless Chromium (wasm-bindgen-test): the worker protocol through a real structured
//! clone, the table and view-model code compiled to wasm, and components rendering view models.
//! Run with `cargo test -p coursepulse --target wasm32-unknown-unknown --test browser`.
#![cfg(target_arch = "wasm32")]

use coursepulse::components::cards::Cards;
use coursepulse::components::error_banner::ErrorBanner;
use coursepulse::state::AppState;
use coursepulse::tables;
use coursepulse::view_model::{self, Context};
use coursepulse::worker::protocol::{
    Cell, Column, ErrorView, Request, RequestKind, Response, ResponseKind, Settings, SourceSpec,
    TableId, TablePage, TableQuery,
};
use coursepulse_engine::{Analysis, Options, Report};
use js_sys::{Array, Object, Reflect};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CSV: &str = "student_id,video_id,course_id,role,completion_rate_percent\n\
                   S1,V1,C1,Student,90\nS2,V1,C1,Student,=1+1\nS2,V2,C1,student ,40\n\
                   S3,V2,C2,Teacher,10\n";

fn report() -> (Analysis, Report) {
    let mut analysis = Analysis::new(Options::default()).unwrap();
    analysis.add_csv("t.csv", CSV.as_bytes()).unwrap();
    let report = analysis.report();
    (analysis, report)
}

/// Lets queued effects and renders run.
async fn settle() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 10)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

fn mount_container() -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let element = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&element).unwrap();
    element.unchecked_into()
}

fn text(parent: &web_sys::HtmlElement, selector: &str) -> String {
    parent
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("{selector} not rendered"))
        .text_content()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn a_request_and_its_files_survive_post_message() {
    let request = Request {
        id: 3,
        kind: RequestKind::Open {
            source: SourceSpec::Files { names: Vec::new() },
            settings: Settings {
                courses: vec!["C1".into()],
                ..Settings::default()
            },
            persist: true,
        },
    };
    let bytes = js_sys::Uint8Array::from(CSV.as_bytes());
    let file = web_sys::File::new_with_u8_array_sequence(&Array::of1(&bytes), "t.csv").unwrap();
    let envelope = Object::new();
    Reflect::set(&envelope, &"request".into(), &request.to_js().unwrap()).unwrap();
    Reflect::set(&envelope, &"files".into(), &Array::of1(&file)).unwrap();

    let data = through_post_message(&envelope.into()).await;

    let value = Reflect::get(&data, &"request".into()).unwrap();
    assert!(value.is_object(), "a value, not JSON text");
    assert_eq!(Request::from_js(value), Ok(request));
    let files = Array::from(&Reflect::get(&data, &"files".into()).unwrap());
    let file: web_sys::File = files.get(0).dyn_into().unwrap();
    assert_eq!(file.name(), "t.csv");
    assert_eq!(file.size() as usize, CSV.len());
}

/// `value` after a real structured clone (a `MessageChannel` to ourselves).
async fn through_post_message(value: &JsValue) -> JsValue {
    let channel = web_sys::MessageChannel::new().unwrap();
    let received = js_sys::Promise::new(&mut |resolve, _| {
        let on_message = Closure::once_into_js(move |event: web_sys::MessageEvent| {
            resolve.call1(&JsValue::NULL, &event.data()).unwrap();
        });
        channel
            .port2()
            .set_onmessage(Some(on_message.unchecked_ref()));
    });
    channel.port1().post_message(value).unwrap();
    JsFuture::from(received).await.unwrap()
}

/// The regression a value protocol invites: a JS number does not say whether it was an integer,
/// so a whole real (`66.0`) must still come back a real, and `None` stay `None`.
#[wasm_bindgen_test]
async fn responses_survive_post_message_as_values() {
    let (_, report) = report();
    let mut dashboard = view_model::dashboard(&report, Context::default());
    dashboard.elapsed_ms = 12.0;
    let page = TablePage {
        columns: vec![Column {
            label: "Average".into(),
            numeric: true,
        }],
        rows: vec![vec![
            Cell::Int(3),
            Cell::Real(66.0),
            Cell::Real(0.5),
            Cell::Text("S1".into()),
            Cell::Empty,
        ]],
        offset: 0,
        matching: 1,
        total: 1,
        sort: None,
    };
    for kind in [
        ResponseKind::Dashboard(Box::new(dashboard)),
        ResponseKind::Page(page),
        ResponseKind::Error(ErrorView::new("x.parquet: not a Parquet file")),
        ResponseKind::Ready,
    ] {
        let response = Response { id: 9, kind };
        let value = through_post_message(&response.to_js().unwrap()).await;
        assert!(value.is_object());
        assert_eq!(Response::from_js(value), Ok(response));
    }
}

/// What a message costs each way (printed, not asserted: timings vary by machine): the worker
/// serialising a response and the page reading it back, as JSON text (before) and as JS values
/// (now), each through a real structured clone, for a dashboard and a 500-row table page.
#[wasm_bindgen_test]
async fn message_cost_json_text_against_values() {
    let (_, report) = report();
    let dashboard = Response {
        id: 1,
        kind: ResponseKind::Dashboard(Box::new(view_model::dashboard(&report, Context::default()))),
    };
    let row = |index: u64| {
        vec![
            Cell::Int(index),
            Cell::Text(format!("S{index:05}")),
            Cell::Real(index as f64 / 7.0),
            Cell::Int(index * 3),
            Cell::Empty,
        ]
    };
    let page = Response {
        id: 2,
        kind: ResponseKind::Page(TablePage {
            rows: (0..500).map(row).collect(),
            matching: 500,
            total: 500,
            ..TablePage::default()
        }),
    };
    let performance = web_sys::window().unwrap().performance().unwrap();
    for (name, response) in [("dashboard", &dashboard), ("500-row page", &page)] {
        const ROUNDS: u32 = 200;
        let started = performance.now();
        for _ in 0..ROUNDS {
            let text = through_post_message(&response.to_json().into()).await;
            assert_eq!(
                Response::from_json(&text.as_string().unwrap()).as_ref(),
                Ok(response)
            );
        }
        let json_ms = (performance.now() - started) / f64::from(ROUNDS);
        let started = performance.now();
        for _ in 0..ROUNDS {
            let value = through_post_message(&response.to_js().unwrap()).await;
            assert_eq!(Response::from_js(value).as_ref(), Ok(response));
        }
        let value_ms = (performance.now() - started) / f64::from(ROUNDS);
        web_sys::console::log_1(
            &format!(
                "message cost, {name} ({} bytes as JSON): JSON text {json_ms:.3} ms, values \
                 {value_ms:.3} ms per post and read",
                response.to_json().len()
            )
            .into(),
        );
    }
}

#[wasm_bindgen_test]
fn tables_page_and_export_in_wasm() {
    let (_, report) = report();
    let table = tables::build(&report, &TableId::Learners).unwrap();
    let query = TableQuery {
        table: TableId::Learners,
        sort: None,
        filter: String::new(),
        min_views: 1,
        offset: 0,
        limit: 1,
    };
    let page = table.page(&query);
    assert_eq!((page.rows.len(), page.matching), (1, 2));
    assert_eq!(page.rows[0][1].display(), "S1");
    let csv = table.to_csv(&query);
    assert!(csv.starts_with("Rank,Learner,Videos watched,Views,Avg completion %\r\n"));
    assert_eq!(csv.lines().count(), 3);
    assert!(
        tables::build(
            &report,
            &TableId::CourseVideos {
                course: "nope".into()
            }
        )
        .is_none()
    );
}

#[wasm_bindgen_test]
async fn cards_render_the_dashboard_and_follow_it() {
    let (analysis, report) = report();
    let context = Context {
        all_courses: analysis.courses_seen(),
        ..Context::default()
    };
    let dashboard = view_model::dashboard(&report, context);
    let state = AppState::from_url("");
    let parent = mount_container();
    let _mounted = leptos::mount::mount_to(parent.clone(), move || {
        provide_context(state);
        view! { <Cards/> <ErrorBanner/> }
    });
    assert!(
        parent.query_selector(".cards").unwrap().is_none(),
        "no data, no cards"
    );

    state.dashboard.set(Some(dashboard.clone()));
    settle().await;
    assert_eq!(text(&parent, "[data-testid=card-rows] .card-value"), "4");
    assert_eq!(
        text(&parent, "[data-testid=card-learners] .card-value"),
        "2"
    );
    assert_eq!(
        text(&parent, "[data-testid=card-mean] .card-value"),
        "65.00%"
    );
    assert!(text(&parent, "[data-testid=card-quality] .card-value").contains("failing"));

    let mut changed = dashboard;
    changed.cards.learners = 12_345;
    state.dashboard.set(Some(changed));
    state.error.set(Some(ErrorView {
        message: "x.parquet: not a Parquet file".into(),
        mapping: None,
        needs_full_worker: false,
    }));
    settle().await;
    assert_eq!(
        text(&parent, "[data-testid=card-learners] .card-value"),
        "12,345"
    );
    assert_eq!(
        text(&parent, "[data-testid=error-message]"),
        "x.parquet: not a Parquet file"
    );
    assert!(text(&parent, "[data-testid=error]").contains("The data shown below is unchanged."));
}

#[wasm_bindgen_test]
fn the_lean_worker_build_names_the_codec_it_leaves_out() {
    use coursepulse_engine::{Error, ParquetFile};
    let brotli = bytes::Bytes::from_static(include_bytes!("data/tiny-brotli.parquet"));
    match ParquetFile::open("tiny-brotli.parquet", brotli) {
        Err(Error::UnsupportedCodec { codec, .. }) => assert_eq!(codec, "BROTLI"),
        Err(other) => panic!("expected UnsupportedCodec, got {other}"),
        Ok(_) => panic!("this build was meant to leave Brotli out"),
    }
    let zstd = bytes::Bytes::from_static(include_bytes!("data/tiny-zstd.parquet"));
    let file = ParquetFile::open("tiny-zstd.parquet", zstd).expect("zstd is in the lean build");
    assert!(file.num_rows() > 0);
}

#[wasm_bindgen_test]
async fn an_erase_called_while_a_store_is_writing_still_wins() {
    use coursepulse::worker::storage::store::{self, Slot};
    // Called one after the other without waiting, as when "Forget this data" arrives while the
    // dataset just loaded is still being written: the erase must come last.
    let blob = vec![7u8; 300_000];
    let (saved, cleared) =
        futures::future::join(store::save(Slot::Files, &blob), store::clear()).await;
    saved.expect("the store is written");
    cleared.expect("then erased");
    assert_eq!(store::load(Slot::Files).await.expect("readable"), None);

    // And the other way round: a store called after an erase is what stays.
    let (cleared, saved) =
        futures::future::join(store::clear(), store::save(Slot::Files, &blob)).await;
    cleared.expect("erased");
    saved.expect("then written");
    let (stored, _) = store::load(Slot::Files)
        .await
        .expect("readable")
        .expect("the blob is kept");
    assert_eq!(stored, blob);
    store::clear().await.expect("cleaned up");
}

#[wasm_bindgen_test]
async fn a_link_is_stored_apart_from_the_users_files() {
    use coursepulse::worker::storage::store::{self, Slot};
    let own = vec![1u8; 1_000];
    let linked = vec![2u8; 2_000];
    store::save(Slot::Files, &own).await.expect("stored");
    store::save(Slot::Link, &linked).await.expect("stored");
    let load = |slot| async move {
        store::load(slot)
            .await
            .expect("readable")
            .map(|(blob, _)| blob)
    };
    assert_eq!(
        load(Slot::Files).await,
        Some(own),
        "the link did not replace it"
    );
    assert_eq!(load(Slot::Link).await, Some(linked));
    assert_eq!(store::size().await, 3_000);
    store::clear().await.expect("cleaned up");
    assert_eq!(load(Slot::Files).await, None);
    assert_eq!(load(Slot::Link).await, None);
}

#[wasm_bindgen_test]
fn a_second_crash_on_the_same_data_drops_it_instead_of_reading_it_forever() {
    let owner = Owner::new();
    owner.set();
    let state = AppState::from_url("");
    // Nothing shown: the message as it came.
    state.worker_crashed("The analysis worker failed: boom".into());
    assert_eq!(
        state.error.get_untracked().unwrap().message,
        "The analysis worker failed: boom"
    );
    assert!(!state.recovering.get_untracked());

    let (_, report) = report();
    let dashboard = view_model::dashboard(&report, Context::default());
    state.dashboard.set(Some(dashboard));
    state.data_label.set(Some("big.parquet".into()));
    state.worker_crashed("The analysis worker failed: out of memory".into());
    assert!(state.recovering.get_untracked(), "read again once");
    assert!(state.dashboard.get_untracked().is_some());
    assert!(
        state
            .error
            .get_untracked()
            .unwrap()
            .message
            .ends_with("The data shown is being read again.")
    );

    state.worker_crashed("The analysis worker failed: out of memory".into());
    assert!(!state.recovering.get_untracked());
    assert!(
        state.dashboard.get_untracked().is_none(),
        "the data is dropped"
    );
    assert_eq!(state.data_label.get_untracked(), None);
    let message = state.error.get_untracked().unwrap().message;
    assert!(
        message.contains("failed again on the same data")
            && message.contains("not read a third time"),
        "{message}"
    );
}
