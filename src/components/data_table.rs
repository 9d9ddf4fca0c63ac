//! A table whose rows live in the worker: sort by any column, filter, page, keyboard
//! navigation, and Download CSV. Only the visible page crosses to the page, so 100,000+ rows stay
//! smooth.

use leptos::prelude::*;

use crate::state::{send, use_app_state};
use crate::worker::protocol::{
    Cell, RequestKind, ResponseKind, Sort, TableId, TablePage, TableQuery,
};

/// Rows per page.
pub const PAGE_SIZE: usize = 50;

/// A paged, sortable, filterable table of `table`.
#[component]
pub fn DataTable(
    /// Which table.
    #[prop(into)]
    table: Signal<TableId>,
    /// `data-testid` prefix for the table and its controls.
    testid: &'static str,
    /// Minimum views (tables with a views column).
    #[prop(optional, into)]
    min_views: Option<Signal<u64>>,
    /// Accessible caption.
    caption: &'static str,
) -> impl IntoView {
    let state = use_app_state();
    let sort = RwSignal::new(None::<Sort>);
    let filter = RwSignal::new(String::new());
    let offset = RwSignal::new(0usize);
    let page = RwSignal::new(None::<TablePage>);
    let error = RwSignal::new(None::<String>);
    // Only the answer to the latest query is shown; older ones may arrive after it.
    let latest = StoredValue::new(0u64);

    let query = move || TableQuery {
        table: table.get(),
        sort: sort.get(),
        filter: filter.get(),
        min_views: min_views.map_or(1, |views| views.get()),
        offset: offset.get(),
        limit: PAGE_SIZE,
    };
    // A new table, filter or threshold starts at the first page.
    Effect::new(move |_| {
        table.track();
        filter.track();
        if let Some(views) = min_views {
            views.track();
        }
        // Setting an unchanged signal still notifies; skip it so the page is not fetched twice.
        if offset.get_untracked() != 0 {
            offset.set(0);
        }
    });
    Effect::new(move |_| {
        state.generation.track();
        let query = query();
        let sequence = latest.get_value() + 1;
        latest.set_value(sequence);
        send(RequestKind::Page(query), move |response| {
            if latest.get_value() != sequence {
                return;
            }
            match response {
                ResponseKind::Page(answer) => {
                    page.set(Some(answer));
                    error.set(None);
                }
                ResponseKind::Error(view) => error.set(Some(view.message)),
                _ => {}
            }
        });
    });

    let download = move |_| {
        let mut query = query();
        query.offset = 0;
        query.limit = usize::MAX;
        send(RequestKind::Export(query), move |response| match response {
            ResponseKind::Csv { file_name, text } => {
                crate::download::save_text(&file_name, "text/csv;charset=utf-8", &text)
            }
            ResponseKind::Error(view) => error.set(Some(view.message)),
            _ => {}
        });
    };

    let header = move || {
        page.with(|page| {
            page.as_ref().map_or_else(Vec::new, |page| {
                page.columns
                    .iter()
                    .enumerate()
                    .map(|(index, column)| {
                        let numeric = column.numeric;
                        let label = column.label.clone();
                        let direction = move || match sort.get() {
                            Some(Sort { column, descending }) if column == index => {
                                if descending { "descending" } else { "ascending" }
                            }
                            _ => "none",
                        };
                        let arrow = move || match direction() {
                            "descending" => " ▼",
                            "ascending" => " ▲",
                            _ => "",
                        };
                        view! {
                            <th scope="col" class:numeric=numeric aria-sort=direction>
                                <button
                                    class="sort"
                                    data-testid=format!("{testid}-sort-{index}")
                                    on:click=move |_| {
                                        sort.update(|sort| *sort = next_sort(*sort, index, numeric));
                                        offset.set(0);
                                    }
                                >
                                    {label}
                                    {arrow}
                                </button>
                            </th>
                        }
                    })
                    .collect::<Vec<_>>()
            })
        })
    };

    let body = move || {
        page.with(|page| {
            let Some(page) = page else {
                return Vec::new();
            };
            let numeric: Vec<bool> = page.columns.iter().map(|column| column.numeric).collect();
            // One tab stop per table: the first row is in the tab order, the arrow keys move
            // between rows (a roving tabindex, moved by `row_keys`).
            page.rows
                .iter()
                .enumerate()
                .map(|(row_index, row)| {
                    let cells = row
                        .iter()
                        .zip(&numeric)
                        .map(|(cell, numeric)| {
                            let empty = matches!(cell, Cell::Empty);
                            view! {
                                <td class:numeric=*numeric class:empty=empty>
                                    {if empty { "—".to_owned() } else { cell.display() }}
                                </td>
                            }
                        })
                        .collect::<Vec<_>>();
                    let tabindex = if row_index == 0 { "0" } else { "-1" };
                    view! { <tr tabindex=tabindex on:keydown=row_keys>{cells}</tr> }
                })
                .collect::<Vec<_>>()
        })
    };

    let summary = move || {
        page.with(|page| {
            page.as_ref().map(|page| {
                if page.matching == 0 {
                    return "No rows match.".to_owned();
                }
                let filtered = if page.matching < page.total {
                    format!(" (filtered from {})", crate::format::int(page.total as u64))
                } else {
                    String::new()
                };
                format!(
                    "Rows {}–{} of {}{filtered}",
                    crate::format::int(page.offset as u64 + 1),
                    crate::format::int((page.offset + page.rows.len()) as u64),
                    crate::format::int(page.matching as u64)
                )
            })
        })
    };
    let matching = move || page.with(|page| page.as_ref().map_or(0, |page| page.matching));

    view! {
        <div class="data-table" data-testid=testid>
            <div class="table-tools">
                <input
                    type="search"
                    placeholder="Filter rows…"
                    aria-label=format!("Filter {caption}")
                    data-testid=format!("{testid}-filter")
                    prop:value=move || filter.get()
                    on:input=move |event| filter.set(event_target_value(&event))
                />
                <button class="secondary" data-testid=format!("{testid}-download") on:click=download>
                    "Download CSV"
                </button>
            </div>
            {move || error.get().map(|message| view! { <p class="table-error" role="alert">{message}</p> })}
            <div class="table-scroll">
                <table>
                    <caption class="visually-hidden">{caption}</caption>
                    <thead>
                        <tr>{header}</tr>
                    </thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
            <div class="pager">
                <span data-testid=format!("{testid}-summary")>{summary}</span>
                <button
                    class="secondary"
                    data-testid=format!("{testid}-prev")
                    disabled=move || offset.get() == 0
                    on:click=move |_| offset.update(|offset| *offset = offset.saturating_sub(PAGE_SIZE))
                >
                    "‹ Previous"
                </button>
                <button
                    class="secondary"
                    data-testid=format!("{testid}-next")
                    disabled=move || { offset.get() + PAGE_SIZE >= matching() }
                    on:click=move |_| offset.update(|offset| *offset += PAGE_SIZE)
                >
                    "Next ›"
                </button>
            </div>
        </div>
    }
}

/// Clicking a column sorts by it (numbers largest first); clicking again flips the direction.
fn next_sort(current: Option<Sort>, column: usize, numeric: bool) -> Option<Sort> {
    match current {
        Some(sort) if sort.column == column => Some(Sort {
            column,
            descending: !sort.descending,
        }),
        _ => Some(Sort {
            column,
            descending: numeric,
        }),
    }
}

/// Arrow keys move between rows; Home/End jump to the first/last row of the page.
fn row_keys(event: web_sys::KeyboardEvent) {
    use wasm_bindgen::JsCast;
    let Some(row) = event
        .current_target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let next = match event.key().as_str() {
        "ArrowDown" => row.next_element_sibling(),
        "ArrowUp" => row.previous_element_sibling(),
        "Home" => row
            .parent_element()
            .and_then(|body| body.first_element_child()),
        "End" => row
            .parent_element()
            .and_then(|body| body.last_element_child()),
        _ => return,
    };
    if let Some(next) = next.and_then(|next| next.dyn_into::<web_sys::HtmlElement>().ok()) {
        event.prevent_default();
        let _ = row.set_attribute("tabindex", "-1");
        let _ = next.set_attribute("tabindex", "0");
        let _ = next.focus();
    }
}
