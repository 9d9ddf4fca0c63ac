//! The app's masked-mode switch: learner ids, names and e-mail addresses shown as pseudonyms,
//! keyed by a salt the user may set. Masking is presentation only, so switching re-lists the
//! loaded analysis in the worker (no file is read again) and every table, chart and export
//! follows, since they are all built there from the masked report.

use leptos::prelude::*;

use crate::state::use_app_state;

/// The checkbox and the salt field.
#[component]
pub fn MaskToggle() -> impl IntoView {
    let state = use_app_state();
    let masked = move || state.settings.with(|settings| settings.mask);
    let set_mask = move |on: bool| {
        state.settings.update(|settings| settings.mask = on);
        state.relist();
    };
    let set_salt = move |salt: String| {
        state
            .settings
            .update(|settings| settings.salt = Some(salt).filter(|salt| !salt.is_empty()));
        if masked() {
            state.relist();
        }
    };
    view! {
        <div class="filters mask-bar">
            <label title="Show learner ids, names and e-mail addresses as stable pseudonyms (HMAC-SHA256 of the value, keyed by the salt).">
                <input
                    type="checkbox"
                    data-testid="mask-toggle"
                    prop:checked=masked
                    on:change=move |event| set_mask(event_target_checked(&event))
                />
                "Mask learner ids"
            </label>
            <label title="The same salt gives the same pseudonyms; a secret one stops anyone from hashing a list of likely ids.">
                "Salt "
                <input
                    type="password"
                    autocomplete="off"
                    data-testid="mask-salt"
                    placeholder="optional"
                    prop:value=move || state.settings.with(|settings| settings.salt.clone().unwrap_or_default())
                    on:change=move |event| set_salt(event_target_value(&event))
                />
            </label>
        </div>
    }
}
