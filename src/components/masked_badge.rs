//! The "Masked" indicator, visible whenever learner ids are asked to be pseudonymised.

use leptos::prelude::*;

use crate::state::use_app_state;

/// A badge in the header or the embed's bar while `mask` is on.
#[component]
pub fn MaskedBadge() -> impl IntoView {
    let state = use_app_state();
    let masked = move || state.settings.with(|settings| settings.mask);
    view! {
        <Show when=masked>
            <span
                class="badge masked"
                data-testid="masked-indicator"
                title="Masked mode: learner ids and name or e-mail columns are shown as stable pseudonyms."
            >
                "Masked"
            </span>
        </Show>
    }
}
