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

/// A difference in percentage points with its sign, one decimal, a true minus sign, and no
/// "−0.0": `+1.3`, `−0.5`, `0.0`.
pub fn points(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded == 0.0 {
        "0.0".to_owned()
    } else {
        format!("{rounded:+.1}").replace('-', "−")
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

    #[test]
    fn points_have_a_sign_and_never_read_minus_zero() {
        assert_eq!(super::points(1.26), "+1.3");
        assert_eq!(super::points(-0.5), "−0.5");
        assert_eq!(super::points(-0.04), "0.0");
        assert_eq!(super::points(0.0), "0.0");
    }
}
