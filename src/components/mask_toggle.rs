//! The app's masked-mode switch: learner ids, names and e-mail addresses shown as pseudonyms,
//! keyed by a salt the user may set. Masking is presentation only, so switching re-lists the
//! loaded analysis in the worker (no file is read again) and every table, chart and export
//! follows, since they are all built there from the masked report.
//!
//! The salt is a secret key: it lives in this tab's memory only (never in the address, nor in
//! the browser's storage), so after a reload or a restore it must be entered again.

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
    let unsalted = move || {
        state
            .settings
            .with(|settings| settings.mask && settings.salt.is_none())
    };
    let restored = move || {
        state
            .dashboard
            .with(|dashboard| dashboard.as_ref().is_some_and(|d| d.restored.is_some()))
    };
    view! {
        <div class="filters mask-bar">
            <p class="hint">
                "Show learner ids, names and e-mail addresses as stable pseudonyms in every table, \
                 chart, download and report."
            </p>
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
            <span class="hint" data-testid="salt-hint">
                {move || salt_hint(unsalted(), restored())}
            </span>
        </div>
    }
}

/// What the line beside the salt says: where the salt is kept, and what no salt means.
fn salt_hint(unsalted: bool, restored: bool) -> &'static str {
    match (unsalted, restored) {
        (true, true) => {
            "The salt is not stored with the data: enter it again to see the same pseudonyms. \
             Without one, anyone can reverse the pseudonyms of guessable ids."
        }
        (true, false) => {
            "No salt: anyone can reverse the pseudonyms of guessable ids. The salt stays in \
             this tab's memory only; never share it in a link."
        }
        (false, _) => {
            "The salt stays in this tab's memory only (not in the address, not in storage); \
             never share it in a link."
        }
    }
}
