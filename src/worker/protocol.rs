//! The messages between the page and the analysis worker: the one place their envelope is
//! defined (`Request { id, kind }`, `Response { id, kind }`); what they carry is in `views/`.
//!
//! Every message crosses `postMessage` as a plain JS value (`serde-wasm-bindgen`, structured
//! cloned by the browser; no JSON text on either side). The page sends
//! `{ request: <Request>, files: [File, ...] }` (the `File` handles ride beside the request
//! because they are not serde values; the worker reads them itself, so the page never holds a
//! copy of the bytes); the worker answers with a `Response` value. Requests carry an `id`;
//! every response names the request it answers, and a request is finished by exactly one of
//! `Dashboard`, `Page`, `Csv`, `Listing`, `Stored`, `Error` or `Cancelled`. `Progress` may come any number of times
//! before that. The worker sends `Response { id: 0, kind: Ready }` once, when it can take work.

use serde::{Deserialize, Serialize};

// The view models are re-exported, so `protocol::Dashboard` and the like keep working.
pub use crate::worker::views::*;

/// A unit of work for the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Chosen by the page, echoed by every response to it; 0 is reserved for `Ready`.
    pub id: u32,
    /// What to do.
    pub kind: RequestKind,
}

/// What the page asks for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RequestKind {
    /// Read a new dataset and analyse it. On success it replaces the current one; on error or
    /// cancel the current one is kept.
    Open {
        /// Where the bytes come from.
        source: SourceSpec,
        /// Filters, mapping and list sizes.
        settings: Settings,
        /// Whether this dataset may be kept in the browser's storage (and continue from what
        /// is stored there): false in the embed, which never restores nor stores.
        #[serde(default = "yes")]
        persist: bool,
    },
    /// Analyse the current dataset again with new settings (filters or mapping changed).
    Reanalyse {
        /// The new settings.
        settings: Settings,
    },
    /// Re-list the current analysis with other N values or masking; reads nothing.
    Relist {
        /// Learners in the top and bottom lists.
        top_n: usize,
        /// Videos in each course's top and bottom lists.
        per_course_n: usize,
        /// Masked mode (presentation only, so it needs no re-read).
        #[serde(default)]
        mask: bool,
        /// Its key.
        #[serde(default)]
        salt: Option<String>,
    },
    /// One page of a table.
    Page(TableQuery),
    /// A whole table (filter and sort applied, paging ignored) as CSV.
    Export(TableQuery),
    /// Add inputs to the current dataset: files it absorbed before (same content) are skipped,
    /// only new row groups are read, and the dashboard covers old and new rows.
    Add {
        /// The new inputs.
        source: SourceSpec,
    },
    /// Read the dataset's manifest again, past the HTTP cache (live mode), and answer which of
    /// its entries are not loaded yet (`Listing`); reads no data file.
    CheckListing {
        /// The manifest's URL (the dataset's `?src=`).
        url: String,
    },
    /// Show the dataset stored in this browser by an earlier visit, if any (answered by
    /// `Dashboard` with `restored` set, or by `Stored` when nothing usable is stored).
    Restore,
    /// Erase everything stored in this browser (answered by `Stored`).
    Forget,
    /// Stop the request with this id (a load) as soon as possible.
    Cancel {
        /// The request to stop.
        target: u32,
    },
}

fn yes() -> bool {
    true
}

/// Where a dataset's bytes come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SourceSpec {
    /// The `File` handles sent with the request, in order.
    Files {
        /// Their names relative to the folder they were picked from (`date=2025-03-01/a.parquet`),
        /// in the same order; empty means each file's own name.
        #[serde(default)]
        names: Vec<String>,
    },
    /// The sample bundled with the app.
    Sample,
    /// A URL, fetched by the worker (same origin or CORS-enabled).
    Url {
        /// Absolute or relative to the page.
        url: String,
    },
    /// Files of a manifest, by URL and name (live mode adds the new entries of the dataset's
    /// own manifest this way, so the dataset still counts as coming from it).
    Remote {
        /// The files, opened in this order.
        files: Vec<RemoteFile>,
    },
}

/// A reply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// The request answered (0 for `Ready`).
    pub id: u32,
    /// The answer.
    pub kind: ResponseKind,
}

/// What the worker says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseKind {
    /// The worker is loaded and listening.
    Ready,
    /// A load advanced.
    Progress(Progress),
    /// The analysis is done (after `Open`, `Reanalyse`, `Add`, `Restore` or `Relist`).
    Dashboard(Box<Dashboard>),
    /// A table page.
    Page(TablePage),
    /// A table as CSV text.
    Csv {
        /// Suggested file name.
        file_name: String,
        /// The CSV, formula-injection safe.
        text: String,
    },
    /// The request failed; the previous dataset (if any) is still loaded.
    Error(ErrorView),
    /// The request was cancelled; the previous dataset (if any) is still loaded.
    Cancelled,
    /// What the dataset's manifest lists beside the files loaded (after `CheckListing`).
    Listing(ListingView),
    /// What is stored in this browser (after `Forget`, or `Restore` with nothing to show).
    Stored(StorageView),
    /// The worker panicked and is about to stop (wasm aborts on panic), id 0: what went wrong,
    /// in the CLI's words when a decoder panicked on malformed bytes. Sent from the panic hook.
    Crashed {
        /// What went wrong.
        message: String,
    },
}

impl Request {
    /// The request as JSON text (tests, logs).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a request; the error names what was wrong.
    pub fn from_json(text: &str) -> Result<Request, String> {
        serde_json::from_str(text).map_err(|error| format!("malformed request: {error}"))
    }
}

impl Response {
    /// The response as JSON text (tests, logs).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a response; the error names what was wrong.
    pub fn from_json(text: &str) -> Result<Response, String> {
        serde_json::from_str(text).map_err(|error| format!("malformed response: {error}"))
    }
}

/// The values that cross `postMessage`: plain objects, arrays, strings and numbers, shaped as
/// the JSON would be (`null` for `None`, objects for maps), so what the browser clones is what
/// serde reads back.
#[cfg(target_arch = "wasm32")]
mod js_values {
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use wasm_bindgen::JsValue;

    use super::{Request, Response};

    fn to_js<T: Serialize>(value: &T) -> Result<JsValue, String> {
        value
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|error| error.to_string())
    }

    fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, String> {
        serde_wasm_bindgen::from_value(value).map_err(|error| error.to_string())
    }

    impl Request {
        /// The value that crosses `postMessage`.
        pub fn to_js(&self) -> Result<JsValue, String> {
            to_js(self).map_err(|error| format!("cannot send the request: {error}"))
        }

        /// Reads a request; the error names what was wrong.
        pub fn from_js(value: JsValue) -> Result<Request, String> {
            from_js(value).map_err(|error| format!("malformed request: {error}"))
        }
    }

    impl Response {
        /// The value that crosses `postMessage`.
        pub fn to_js(&self) -> Result<JsValue, String> {
            to_js(self).map_err(|error| format!("cannot send the answer: {error}"))
        }

        /// Reads a response; the error names what was wrong.
        pub fn from_js(value: JsValue) -> Result<Response, String> {
            from_js(value).map_err(|error| format!("malformed response: {error}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip_request(kind: RequestKind) {
        let request = Request { id: 7, kind };
        assert_eq!(Request::from_json(&request.to_json()), Ok(request));
    }

    #[test]
    fn every_request_round_trips() {
        let query = TableQuery {
            table: TableId::CourseVideos {
                course: "CSC101".into(),
            },
            sort: Some(Sort {
                column: 2,
                descending: true,
            }),
            filter: "intro".into(),
            min_views: 3,
            offset: 50,
            limit: 50,
        };
        round_trip_request(RequestKind::Open {
            source: SourceSpec::Url {
                url: "data/a.parquet".into(),
            },
            settings: Settings {
                courses: vec!["C1".into()],
                from: Some("2025-01-01".into()),
                mapping: vec![("student".into(), None)],
                mask: true,
                salt: Some("per-course key".into()),
                dbt: Some(DbtFile {
                    name: "schema.yml".into(),
                    text: "version: 2\n".into(),
                }),
                ..Settings::default()
            },
            persist: true,
        });
        round_trip_request(RequestKind::Open {
            source: SourceSpec::Files { names: Vec::new() },
            settings: Settings::default(),
            persist: false,
        });
        round_trip_request(RequestKind::Add {
            source: SourceSpec::Files {
                names: vec!["date=2025-03-01/part-0.parquet".into()],
            },
        });
        round_trip_request(RequestKind::Add {
            source: SourceSpec::Remote {
                files: vec![RemoteFile {
                    url: "data/live/date=2025-03-02/part-0.parquet".into(),
                    name: "date=2025-03-02/part-0.parquet".into(),
                }],
            },
        });
        round_trip_request(RequestKind::CheckListing {
            url: "data/live/manifest.json".into(),
        });
        round_trip_request(RequestKind::Restore);
        round_trip_request(RequestKind::Forget);
        round_trip_request(RequestKind::Reanalyse {
            settings: Settings::default(),
        });
        round_trip_request(RequestKind::Relist {
            top_n: 5,
            per_course_n: 2,
            mask: true,
            salt: Some("key".into()),
        });
        round_trip_request(RequestKind::Page(query.clone()));
        round_trip_request(RequestKind::Export(query));
        round_trip_request(RequestKind::Cancel { target: 3 });
    }

    #[test]
    fn settings_from_before_masking_read_as_unmasked() {
        let json = r#"{"courses":[],"from":null,"to":null,"top_n":0,"per_course_n":0,"scale":null,"mapping":[]}"#;
        let settings: Settings = serde_json::from_str(json).unwrap();
        assert!(!settings.mask);
        assert_eq!(settings.salt, None);
        assert_eq!(settings.dbt, None);
    }

    #[test]
    fn responses_round_trip_including_every_cell_kind() {
        let page = TablePage {
            columns: vec![Column {
                label: "Avg".into(),
                numeric: true,
            }],
            rows: vec![vec![
                Cell::Int(3),
                Cell::Real(66.5),
                Cell::Real(50.0),
                Cell::Text("S1".into()),
                Cell::Text(String::new()),
                Cell::Empty,
            ]],
            offset: 0,
            matching: 1,
            total: 1,
            sort: None,
        };
        for kind in [
            ResponseKind::Ready,
            ResponseKind::Progress(Progress {
                file: "a.parquet".into(),
                bytes_done: 1,
                bytes_total: 2,
                groups_done: 1,
                groups_total: 4,
            }),
            ResponseKind::Dashboard(Box::new(Dashboard {
                top: vec![LearnerView {
                    rank: Some(1),
                    student_id: "S1".into(),
                    videos_watched: 2,
                    views: 3,
                    avg_completion: Some(99.5),
                }],
                date_span: Some(("2025-01-01".into(), "2025-02-01".into())),
                pruning: PruningView {
                    files: 180,
                    files_skipped: 173,
                    bytes: 10,
                    bytes_skipped: 9,
                    ..PruningView::default()
                },
                restored: Some(RestoredView {
                    saved_at: "2026-12-02 01:00 UTC".into(),
                    files: vec!["a.parquet".into()],
                    needs_files_to_refilter: true,
                    rows_kept: false,
                }),
                added: Some(AddedView {
                    new_files: 1,
                    already_loaded: 10,
                }),
                storage: StorageView {
                    bytes: 1234,
                    backend: "IndexedDB".into(),
                    note: None,
                },
                ..Dashboard::default()
            })),
            ResponseKind::Page(page),
            ResponseKind::Csv {
                file_name: "x.csv".into(),
                text: "a,b\r\n".into(),
            },
            ResponseKind::Error(ErrorView {
                message: "bad".into(),
                mapping: Some(MappingHelp {
                    source: "x.csv".into(),
                    columns: vec!["a".into()],
                    events: false,
                }),
                needs_full_worker: false,
            }),
            ResponseKind::Cancelled,
            ResponseKind::Listing(ListingView {
                listed: 3,
                new_files: vec![RemoteFile {
                    url: "http://h/x.parquet".into(),
                    name: "x.parquet".into(),
                }],
                missing: vec!["old.parquet".into()],
            }),
            ResponseKind::Stored(StorageView::default()),
            ResponseKind::Crashed {
                message: "x.parquet: the Parquet decoder failed".into(),
            },
        ] {
            let response = Response { id: 9, kind };
            assert_eq!(Response::from_json(&response.to_json()), Ok(response));
        }
    }

    #[test]
    fn a_files_source_without_names_still_parses() {
        let request =
            Request::from_json(r#"{"id":2,"kind":{"type":"open","source":{"type":"files"},"settings":{"courses":[],"from":null,"to":null,"top_n":0,"per_course_n":0,"scale":null,"mapping":[]}}}"#)
                .unwrap();
        assert!(
            matches!(
                request.kind,
                RequestKind::Open { source: SourceSpec::Files { names }, persist: true, .. } if names.is_empty()
            ),
            "an older page's request (no `persist`) keeps storing"
        );
    }

    #[test]
    fn malformed_messages_are_errors_not_panics() {
        assert!(
            Request::from_json("{")
                .unwrap_err()
                .contains("malformed request")
        );
        assert!(Request::from_json(r#"{"id":1,"kind":{"type":"explode"}}"#).is_err());
        assert!(Response::from_json("null").is_err());
    }

    #[test]
    fn file_stems_are_safe() {
        let table = TableId::CourseVideos {
            course: "../CSC 101".into(),
        };
        assert_eq!(table.file_stem(), "course-___CSC_101-videos");
    }
}
