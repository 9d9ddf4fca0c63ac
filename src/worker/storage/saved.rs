//! What the worker keeps in the browser between visits: the engine's `save_state()` bytes with a
//! small JSON header saying when, with which settings and from which inputs, in one blob
//! (`CPWB`, header length, header, state), so the two can never be out of step.

use serde::{Deserialize, Serialize};

use crate::worker::views::Settings;

const MAGIC: &[u8; 4] = b"CPWB";

/// The header stored before the state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SavedMeta {
    /// When it was saved (milliseconds since 1970, the browser's clock).
    pub saved_at_ms: f64,
    /// The settings the state was computed with; the engine refuses other ones.
    pub settings: Settings,
    /// Every input absorbed, in order.
    pub sources: Vec<SavedSource>,
    /// The `?src=` URL the whole dataset came from, when it did; opening it again continues
    /// from the stored state and reads only files not absorbed before.
    #[serde(default)]
    pub src: Option<String>,
    /// For event logs, the video catalogues read (name, videos listed): the state holds their
    /// entries, not their names.
    #[serde(default)]
    pub catalogues: Vec<(String, u64)>,
}

/// One input of a saved dataset.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SavedSource {
    /// The name the engine saw (a relative path or a URL's file name).
    pub name: String,
    /// Where it can be fetched again, when it came from a URL; local files cannot be reopened
    /// without the user picking them.
    pub url: Option<String>,
    /// Its size in bytes.
    pub bytes: u64,
}

/// `settings` as they may be stored: without the masking salt, which is a secret key (with it,
/// anyone who reads the storage could reverse every pseudonym of a guessable id). A restored
/// dataset asks for it again.
pub fn without_secrets(settings: &Settings) -> Settings {
    Settings {
        salt: None,
        ..settings.clone()
    }
}

/// The blob for `meta` and `state`; the salt is dropped whatever `meta` holds.
pub fn encode(meta: &SavedMeta, state: &[u8]) -> Vec<u8> {
    let meta = SavedMeta {
        settings: without_secrets(&meta.settings),
        ..meta.clone()
    };
    let header = serde_json::to_vec(&meta).unwrap_or_default();
    let mut out = Vec::with_capacity(8 + header.len() + state.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(state);
    out
}

/// Splits a blob into its header and the engine state; the error says why it is unusable.
pub fn decode(blob: &[u8]) -> Result<(SavedMeta, &[u8]), String> {
    if blob.len() < 8 || &blob[..4] != MAGIC {
        return Err("the stored data is not a CoursePulse dataset (no CPWB header)".into());
    }
    let length = u32::from_le_bytes([blob[4], blob[5], blob[6], blob[7]]) as usize;
    let header = blob
        .get(8..8 + length)
        .ok_or("the stored data is cut short (its header is incomplete)")?;
    let meta: SavedMeta = serde_json::from_slice(header)
        .map_err(|error| format!("the stored data's header is unreadable: {error}"))?;
    // An earlier version stored the salt; it is not used from storage.
    let meta = SavedMeta {
        settings: without_secrets(&meta.settings),
        ..meta
    };
    Ok((meta, &blob[8 + length..]))
}

/// `YYYY-MM-DD HH:MM UTC` for a time in milliseconds since 1970.
pub fn utc_text(millis: f64) -> String {
    let seconds = (millis / 1000.0).floor() as i64;
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let date = coursepulse_engine::format_date(days as i32);
    format!("{date} {:02}:{:02} UTC", of_day / 3600, of_day % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_round_trip() {
        let meta = SavedMeta {
            saved_at_ms: 1_764_633_600_000.0,
            settings: Settings {
                from: Some("2025-03-01".into()),
                ..Settings::default()
            },
            sources: vec![SavedSource {
                name: "date=2025-03-01/part-0.parquet".into(),
                url: Some("data/ds/date=2025-03-01/part-0.parquet".into()),
                bytes: 42,
            }],
            src: Some("data/ds/manifest.json".into()),
            catalogues: vec![("videos.csv".into(), 40)],
        };
        let blob = encode(&meta, b"CPST-state");
        let (back, state) = decode(&blob).unwrap();
        assert_eq!(back, meta);
        assert_eq!(state, b"CPST-state");
    }

    #[test]
    fn the_salt_is_never_stored() {
        let meta = SavedMeta {
            settings: Settings {
                mask: true,
                salt: Some("s3cret-salt".into()),
                ..Settings::default()
            },
            ..SavedMeta::default()
        };
        let blob = encode(&meta, b"state");
        let text = String::from_utf8_lossy(&blob);
        assert!(!text.contains("s3cret-salt"), "{text}");
        let (back, _) = decode(&blob).unwrap();
        assert!(back.settings.mask, "masking is kept, its key is not");
        assert_eq!(back.settings.salt, None);
    }

    #[test]
    fn damaged_blobs_are_refused_with_a_reason() {
        assert!(decode(b"").unwrap_err().contains("no CPWB header"));
        assert!(
            decode(b"XXXX\0\0\0\0")
                .unwrap_err()
                .contains("no CPWB header")
        );
        let blob = encode(&SavedMeta::default(), b"state");
        assert!(decode(&blob[..10]).unwrap_err().contains("cut short"));
        let mut broken = blob.clone();
        broken[8] = b'!';
        assert!(decode(&broken).unwrap_err().contains("unreadable"));
    }

    #[test]
    fn times_print_in_utc() {
        assert_eq!(utc_text(0.0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_text(1_740_787_200_000.0), "2025-03-01 00:00 UTC");
        assert_eq!(utc_text(1_709_210_096_000.0), "2024-02-29 12:34 UTC");
    }
}
