//! The CoursePulse web app: the root [`App`] component that `main.rs` mounts.
//!
//! For now a placeholder page (name, pitch, engine version); the dashboard grows from here.

use leptos::prelude::*;

/// What the product does, in one sentence; shown under the title.
pub const PITCH: &str = "Completion-rate rankings and data-quality flags for LMS video-watch logs, \
computed in your browser: your data never leaves this device.";

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <main class="app">
            <header class="app-header">
                <h1 data-testid="app-title">"CoursePulse"</h1>
                <p class="pitch" data-testid="app-pitch">{PITCH}</p>
            </header>
            <footer class="app-footer" data-testid="engine-version">
                "engine v"{coursepulse_engine::VERSION}
            </footer>
        </main>
    }
}
