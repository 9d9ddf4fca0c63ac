//! The notice shown when the page's address carried `salt=`: that salt was ignored and removed
//! from the address bar, because a salt shared in a link is no longer secret.

use leptos::prelude::*;

use crate::state::use_app_state;

/// What the notice says (also in the README's privacy section).
pub const SALT_IN_LINK: &str = "This link carried a masking salt. It was ignored and removed \
from the address bar: a salt shared in a link is in browser histories and server logs, so it \
is no longer secret, and anyone holding it can reverse the pseudonyms of guessable ids. Choose \
a new salt; CoursePulse keeps it in this tab's memory only, never in the address or in storage.";

/// Visible when the address carried `salt=`, until dismissed.
#[component]
pub fn SaltLinkNotice() -> impl IntoView {
    let state = use_app_state();
    let shown = RwSignal::new(state.salt_in_link);
    view! {
        <Show when=move || shown.get()>
            <div class="error-banner salt-notice" role="status" data-testid="salt-link-notice">
                <div>
                    <strong>"Salt not used. "</strong>
                    <span>{SALT_IN_LINK}</span>
                </div>
                <button class="secondary" data-testid="dismiss-salt-notice" on:click=move |_| shown.set(false)>
                    "Dismiss"
                </button>
            </div>
        </Show>
    }
}
