//! Videos: average completion per video (NULLs excluded), with a minimum-views control.

use leptos::prelude::*;

use crate::components::data_table::DataTable;
use crate::state::use_app_state;
use crate::worker::protocol::TableId;

/// The videos panel.
#[component]
pub fn VideosPanel() -> impl IntoView {
    let state = use_app_state();
    view! {
        <section class="panel" data-testid="panel-videos">
            <div class="panel-head">
                <h2>"Videos: average completion"</h2>
                <label class="inline">
                    "Minimum views "
                    <input
                        type="number"
                        min="1"
                        data-testid="min-views"
                        prop:value=move || state.min_views.get().to_string()
                        on:change=move |event| {
                            let value = event_target_value(&event).parse::<u64>().unwrap_or(1).max(1);
                            state.min_views.set(value);
                        }
                    />
                </label>
            </div>
            <DataTable table=TableId::Videos testid="videos-table" min_views=state.min_views caption="Videos"/>
        </section>
    }
}
