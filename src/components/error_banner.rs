//! The last error, in words, with the data shown before it still in place.

use leptos::prelude::*;

use crate::state::use_app_state;

/// Visible after a failed request, until dismissed or the next success.
#[component]
pub fn ErrorBanner() -> impl IntoView {
    let state = use_app_state();
    move || {
        state.error.get().map(|error| {
            let kept = state.dashboard.with(Option::is_some);
            view! {
                <div class="error-banner" role="alert" data-testid="error">
                    <div>
                        <strong>"Could not load the data. "</strong>
                        <span data-testid="error-message">{error.message}</span>
                        {kept.then(|| view! { <p class="hint">"The data shown below is unchanged."</p> })}
                    </div>
                    <button class="secondary" data-testid="dismiss-error" on:click=move |_| state.error.set(None)>
                        "Dismiss"
                    </button>
                </div>
            }
        })
    }
}
