//! The charts' tooltip, on hover and on keyboard focus: a chart's plot is one tab stop, the
//! arrow keys (and Home, End) step through its items, the mouse picks the item under it, and
//! the tooltip says the item's figures in a live region, so a screen reader hears them too.

use leptos::prelude::*;

/// Which way a chart's items run: along the x-axis (days, bins), or down a list (bars).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    /// Left to right; the first arrow key picks the last item (the newest day).
    Across,
    /// Top to bottom; the first arrow key picks the first item.
    Down,
}

/// The item the mouse or the keys point at, if any.
#[derive(Clone, Copy)]
pub struct Pointer {
    active: RwSignal<Option<usize>>,
    axis: Axis,
}

impl Pointer {
    /// Points at nothing yet.
    pub fn new(axis: Axis) -> Pointer {
        Pointer {
            active: RwSignal::new(None),
            axis,
        }
    }

    /// The item pointed at (tracked).
    pub fn get(self) -> Option<usize> {
        self.active.get()
    }

    /// Points at `item`, or at nothing.
    pub fn set(self, item: Option<usize>) {
        self.active.set(item);
    }

    /// The arrow keys, Home and End step through `count` items; other keys are left alone.
    pub fn key(self, event: &leptos::ev::KeyboardEvent, count: usize) {
        if let Some(next) = step(&event.key(), self.axis, self.active.get_untracked(), count) {
            event.prevent_default();
            self.active.set(Some(next));
        }
    }

    /// Points at the item under the mouse, the plot's width shared evenly among `count` items.
    /// The plot's children must not take pointer events, so the offset is the plot's.
    pub fn hover_across(self, event: &leptos::ev::MouseEvent, count: usize) {
        if count == 0 {
            return;
        }
        let target: web_sys::HtmlElement = event_target(event);
        let width = f64::from(target.client_width().max(1));
        let share = (f64::from(event.offset_x()) / width).clamp(0.0, 0.999);
        self.active.set(Some((share * count as f64) as usize));
    }
}

/// The item after a key press: `None` for a key that does not move, or no items.
pub fn step(key: &str, axis: Axis, current: Option<usize>, count: usize) -> Option<usize> {
    let last = count.checked_sub(1)?;
    let start = match axis {
        Axis::Across => last,
        Axis::Down => 0,
    };
    let (forward, backward) = match axis {
        Axis::Across => (["ArrowRight", "ArrowUp"], ["ArrowLeft", "ArrowDown"]),
        Axis::Down => (["ArrowDown", "ArrowRight"], ["ArrowUp", "ArrowLeft"]),
    };
    Some(match key {
        "Home" => 0,
        "End" => last,
        key if forward.contains(&key) => current.map_or(start, |index| (index + 1).min(last)),
        key if backward.contains(&key) => current.map_or(start, |index| index.saturating_sub(1)),
        _ => return None,
    })
}

/// The tooltip for the item at `at` % along the axis (its middle): a marker and the text for
/// an x-axis item, the text beside the row for a list item.
#[component]
pub fn ChartTooltip(text: String, at: f64, axis: Axis, testid: &'static str) -> impl IntoView {
    let position = format!("{at:.2}%");
    match axis {
        Axis::Across => view! {
            <span class="chart-marker" style:left=position.clone()></span>
            <span class="chart-tooltip" class:flip={at > 60.0} style:left=position data-testid=testid>
                {text}
            </span>
        }
        .into_any(),
        Axis::Down => view! {
            <span class="chart-tooltip down" style:top=position data-testid=testid>{text}</span>
        }
        .into_any(),
    }
}

/// Where item `index` of `count` has its middle, in % along the axis.
pub fn middle(index: usize, count: usize) -> f64 {
    (index as f64 + 0.5) / count.max(1) as f64 * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_step_along_the_axis_and_stop_at_the_ends() {
        for (key, axis, current, expected) in [
            ("ArrowRight", Axis::Across, None, Some(4)),
            ("ArrowLeft", Axis::Across, Some(2), Some(1)),
            ("ArrowUp", Axis::Across, Some(4), Some(4)),
            ("ArrowDown", Axis::Across, Some(0), Some(0)),
            ("ArrowDown", Axis::Down, None, Some(0)),
            ("ArrowDown", Axis::Down, Some(1), Some(2)),
            ("ArrowUp", Axis::Down, Some(1), Some(0)),
            ("End", Axis::Down, None, Some(4)),
            ("Home", Axis::Across, Some(3), Some(0)),
            ("Tab", Axis::Across, Some(3), None),
        ] {
            assert_eq!(
                step(key, axis, current, 5),
                expected,
                "{key} {axis:?} {current:?}"
            );
        }
        assert_eq!(step("ArrowRight", Axis::Across, None, 0), None, "no items");
    }

    #[test]
    fn an_item_middle_is_its_share_of_the_axis() {
        assert_eq!(middle(0, 4), 12.5);
        assert_eq!(middle(3, 4), 87.5);
        assert_eq!(middle(0, 0), 50.0);
    }
}
