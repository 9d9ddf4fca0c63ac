//! "Download report" (a self-contained HTML file of the current view, see `report_html.rs`)
//! and "Print" (the print stylesheet makes an A4 report of the page).

use leptos::prelude::*;

use crate::report_html::{ReportContext, report_html};
use crate::state::use_app_state;

/// The report buttons, with the choice to put real learner ids in an unmasked report.
#[component]
pub fn ReportActions() -> impl IntoView {
    let state = use_app_state();
    let include_ids = RwSignal::new(false);
    let masked = move || state.settings.with(|settings| settings.mask);
    let download = move |_| {
        let html = state.dashboard.with_untracked(|dashboard| {
            dashboard.as_ref().map(|dashboard| {
                report_html(
                    dashboard,
                    &ReportContext {
                        data_label: &state.data_label.get_untracked().unwrap_or_default(),
                        generated: &now_text(),
                        show_real_ids: include_ids.get_untracked(),
                    },
                )
            })
        });
        if let Some(html) = html {
            crate::download::save_text("coursepulse-report.html", "text/html;charset=utf-8", &html);
        }
    };
    view! {
        <div class="report-actions" data-testid="report-actions">
            <button class="secondary" data-testid="download-report" on:click=download>
                "Download report"
            </button>
            <button class="secondary" data-testid="print-report" on:click=move |_| print_page()>
                "Print…"
            </button>
            <Show when=move || !masked()>
                <label class="inline">
                    <input
                        type="checkbox"
                        data-testid="report-include-ids"
                        prop:checked=move || include_ids.get()
                        on:change=move |event| include_ids.set(event_target_checked(&event))
                    />
                    "Include learner ids in the report"
                </label>
            </Show>
        </div>
    }
}

/// The reader's local date and time.
fn now_text() -> String {
    #[cfg(target_arch = "wasm32")]
    return String::from(
        js_sys::Date::new_0().to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED),
    );
    #[cfg(not(target_arch = "wasm32"))]
    String::new()
}

fn print_page() {
    #[cfg(target_arch = "wasm32")]
    let _ = window().print();
}
