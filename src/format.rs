//! Number formatting shared by the panels: percentages with 2 decimals, grouped integers.

pub use crate::worker::protocol::group_thousands as int;

/// `Some(66.666)` as `66.67%`; `None` as an em dash.
pub fn percent(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() => format!("{value:.2}%"),
        _ => "—".into(),
    }
}

/// Bytes as `12.3 MB`.
pub fn bytes(value: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut amount = value as f64;
    let mut unit = 0;
    while amount >= 1000.0 && unit + 1 < UNITS.len() {
        amount /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value} B")
    } else {
        format!("{amount:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(percent(Some(66.666)), "66.67%");
        assert_eq!(percent(None), "—");
        assert_eq!(percent(Some(f64::NAN)), "—");
        assert_eq!(int(1234), "1,234");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(30_400_000), "30.4 MB");
    }
}
