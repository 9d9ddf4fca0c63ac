//! The privacy menu, one place for the privacy controls: masking and its key (in the full app),
//! then the statement: what stays on the device, what the browser keeps and how to erase it,
//! that no third party is contacted, and the Content-Security-Policy that enforces it.

use leptos::prelude::*;

use crate::components::mask_toggle::MaskToggle;
use crate::components::modal_dialog::ModalDialog;

/// A "Privacy" button that opens the menu in a modal dialog. With `controls`, the masking
/// switch and its salt come first; the embed, whose masking its host sets, shows the statement
/// only.
#[component]
pub fn PrivacyButton(#[prop(optional)] controls: bool) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <button
            class="secondary"
            data-testid="privacy-open"
            aria-haspopup="dialog"
            on:click=move |_| open.set(true)
        >
            "Privacy"
        </button>
        <ModalDialog
            open=open
            on_close=Callback::new(move |()| open.set(false))
            class="privacy"
            testid="privacy-dialog"
            labelledby="privacy-title"
        >
            <h2 id="privacy-title">"Privacy"</h2>
            {controls.then(|| view! {
                <section class="privacy-controls" aria-labelledby="masking-title">
                    <h3 id="masking-title">"Masking"</h3>
                    <MaskToggle/>
                </section>
            })}
            <PrivacyStatement/>
            <div class="dialog-actions">
                <button data-testid="privacy-close" on:click=move |_| open.set(false)>"Close"</button>
            </div>
        </ModalDialog>
    }
}

/// The statement itself (the README's "Privacy" section says the same).
#[component]
fn PrivacyStatement() -> impl IntoView {
    view! {
        <h3>"Your data stays on this device"</h3>
        <p>
            "Files you open are read inside this browser tab, by CoursePulse's WebAssembly engine \
             in a Web Worker. Nothing is uploaded: there is no server-side analysis, no account, \
             no analytics and no tracking. A URL you open is fetched by your browser directly."
        </p>
        <h3>"What the browser keeps, and how to erase it"</h3>
        <p>
            "CoursePulse sets no cookies. The address bar holds the view (source URL, filters, \
             whether masking is on, never its salt) so it can be bookmarked, which puts it in the \
             browser's history: clear the history to erase it. After each load in the full app \
             the dataset's analysis is kept in this browser's private storage (Origin Private \
             File System, or IndexedDB) so the next visit opens it at once: per-learner, \
             per-video and per-course totals, the quality rules' sample rows and the file names, \
             not the files themselves, and with real learner ids (masking changes what is shown, \
             not what is kept). What you opened and what a shared link opened are kept apart, so \
             a link never replaces your own data. Datasets over a million rows, the bundled \
             sample and anything opened in an embedded dashboard are not kept, and an embedded \
             dashboard never shows what the full app kept. The dashboard shows how many bytes \
             are kept; \"Forget this data\" erases them, as does clearing this site's data in \
             the browser's settings."
        </p>
        <h3>"No third-party requests"</h3>
        <p>
            "The app loads its code, styles and sample only from the site that serves it, and a \
             strict Content-Security-Policy makes the browser refuse anything else: scripts only \
             from this site, no eval (only WebAssembly compilation), no inline scripts, and \
             connections only to this site."
        </p>
        <h3>"Masking and embedded views"</h3>
        <p>
            "In masked mode (the default in embeds) learner ids and name or e-mail columns are \
             shown as stable pseudonyms, keyed by the salt. The salt is a secret key: it is kept \
             in this tab's memory only, never in the address or in storage, and must be entered \
             again after a reload. A salt shared in a link is no longer secret, so a link's salt \
             is ignored. Anyone holding the salt (or, without one, anyone at all) can reverse \
             the pseudonyms of guessable ids such as S0000 to S9999. A course restriction in an \
             embedded dashboard is a view, not access control: whoever can fetch the file can \
             read all of it. Serve each audience its own extract, masked beforehand if it must \
             not see ids, behind your LMS's login."
        </p>
    }
}
