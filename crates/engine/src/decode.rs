//! Column decoding: arrow arrays of any supported type -> the plain per-row vectors the
//! aggregator loops over (completion values with a status, timestamps, row and event keys).

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{ArrowError, DataType, TimeUnit};
use xxhash_rust::xxh3::xxh3_128_with_seed;

use crate::keys::for_each_text;

/// Completion statuses, one byte per row.
pub(crate) mod status {
    /// A number within 0..=100 after scale conversion.
    pub const VALID: u8 = 0;
    /// NULL or empty text.
    pub const NULL: u8 = 1;
    /// NaN.
    pub const NAN: u8 = 2;
    /// A number outside 0..=100 after scale conversion (including infinities).
    pub const OUT_OF_RANGE: u8 = 3;
    /// Text that is not a number.
    pub const NOT_NUMERIC: u8 = 4;
    /// A number whose range has not been checked yet (before the scale is known).
    pub const NUMBER: u8 = 5;
}

/// The NULL marker in decoded timestamp vectors.
pub(crate) const NO_TIME: i64 = i64::MIN;

/// Decodes completion values into raw numbers and statuses (`NUMBER`, `NULL`, `NAN`, `NOT_NUMERIC`).
pub(crate) fn decode_completion(
    array: &dyn Array,
    values: &mut Vec<f64>,
    statuses: &mut Vec<u8>,
) -> Result<(), ArrowError> {
    values.clear();
    statuses.clear();
    if let Some(dictionary) = array.as_any_dictionary_opt() {
        let (mut dictionary_values, mut dictionary_statuses) = (Vec::new(), Vec::new());
        decode_completion(
            dictionary.values().as_ref(),
            &mut dictionary_values,
            &mut dictionary_statuses,
        )?;
        let nulls = array.logical_nulls();
        for (row, key) in dictionary.normalized_keys().into_iter().enumerate() {
            let is_null = nulls.as_ref().is_some_and(|nulls| nulls.is_null(row))
                || key >= dictionary_values.len();
            values.push(if is_null { 0.0 } else { dictionary_values[key] });
            statuses.push(if is_null {
                status::NULL
            } else {
                dictionary_statuses[key]
            });
        }
        return Ok(());
    }
    match array.data_type() {
        DataType::Null => {
            values.resize(array.len(), 0.0);
            statuses.resize(array.len(), status::NULL);
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            for_each_text(array, |text| {
                let (value, value_status) = parse_completion_text(text);
                values.push(value);
                statuses.push(value_status);
            })?;
        }
        data_type if data_type.is_numeric() => {
            let numbers = arrow_cast::cast(array, &DataType::Float64)?;
            let numbers = numbers.as_primitive::<Float64Type>();
            for value in numbers.iter() {
                match value {
                    Some(value) if value.is_nan() => {
                        values.push(value);
                        statuses.push(status::NAN);
                    }
                    Some(value) => {
                        values.push(value);
                        statuses.push(status::NUMBER);
                    }
                    None => {
                        values.push(0.0);
                        statuses.push(status::NULL);
                    }
                }
            }
        }
        other => {
            return Err(ArrowError::CastError(format!(
                "completion column has type {other}; expected a number or text such as \"85%\""
            )));
        }
    }
    Ok(())
}

/// Text completion: trims, drops one trailing `%`, parses a number. Empty text is NULL.
fn parse_completion_text(text: Option<&str>) -> (f64, u8) {
    let Some(text) = text else {
        return (0.0, status::NULL);
    };
    let trimmed = text.trim();
    let number = trimmed.strip_suffix('%').unwrap_or(trimmed).trim();
    if number.is_empty() {
        return (0.0, status::NULL);
    }
    match number.parse::<f64>() {
        Ok(value) if value.is_nan() => (value, status::NAN),
        Ok(value) => (value, status::NUMBER),
        Err(_) => (0.0, status::NOT_NUMERIC),
    }
}

/// Applies the scale factor and checks the range: `NUMBER` becomes `VALID` or `OUT_OF_RANGE`.
pub(crate) fn apply_scale(values: &mut [f64], statuses: &mut [u8], factor: f64) {
    for (value, value_status) in values.iter_mut().zip(statuses.iter_mut()) {
        if *value_status == status::NUMBER {
            *value *= factor;
            *value_status = if (0.0..=100.0).contains(value) {
                status::VALID
            } else {
                status::OUT_OF_RANGE
            };
        }
    }
}

/// Decodes a timestamp, date, integer (microseconds) or ISO-8601 text column to UTC microseconds.
/// Values that cannot be read as a time become NULL.
pub(crate) fn decode_times(array: &dyn Array, out: &mut Vec<i64>) -> Result<(), ArrowError> {
    out.clear();
    let target = DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into()));
    let times = arrow_cast::cast(array, &target)?;
    let times = times.as_primitive::<TimestampMicrosecondType>();
    out.extend(times.iter().map(|value| value.unwrap_or(NO_TIME)));
    Ok(())
}

/// Hashes one key column (the event id) to 128 bits per row; NULL rows get `None`.
pub(crate) fn hash_event_ids(
    array: &dyn Array,
    out: &mut Vec<Option<u128>>,
) -> Result<(), ArrowError> {
    out.clear();
    let mut hashes = vec![0u128; array.len()];
    let mut is_null = vec![false; array.len()];
    combine_column_hashes(array, &mut hashes, &mut is_null)?;
    out.extend(
        hashes
            .into_iter()
            .zip(is_null)
            .map(|(hash, null)| (!null).then_some(hash)),
    );
    Ok(())
}

/// Hashes whole rows (every column) to 128 bits, for files without an event id.
///
/// The completion column (`completion`: its index, decoded values and statuses) is hashed by
/// value, not by spelling, so that `0` and `-0`, or `50` and `50.0` in a CSV, are equal as in SQL.
pub(crate) fn hash_rows(
    columns: &[ArrayRef],
    n_rows: usize,
    completion: Option<(usize, &[f64], &[u8])>,
    out: &mut Vec<u128>,
) -> Result<(), ArrowError> {
    out.clear();
    out.resize(n_rows, 0);
    let mut ignored_nulls = vec![false; n_rows];
    for (index, column) in columns.iter().enumerate() {
        match completion {
            Some((completion_index, values, statuses)) if completion_index == index => {
                let mut texts = Vec::with_capacity(n_rows);
                for_each_text(column.as_ref(), |text| texts.push(text.map(str::to_owned)))?;
                for row in 0..n_rows {
                    match statuses[row] {
                        status::NULL => fold_hash(&mut out[row], SEED_NULL, &[]),
                        status::NOT_NUMERIC => fold_hash(
                            &mut out[row],
                            SEED_TEXT,
                            texts[row].as_deref().unwrap_or("").as_bytes(),
                        ),
                        _ => fold_hash(
                            &mut out[row],
                            SEED_FLOAT,
                            &canonical_float_bits(values[row]),
                        ),
                    }
                }
            }
            _ => combine_column_hashes(column.as_ref(), out, &mut ignored_nulls)?,
        }
    }
    Ok(())
}

fn canonical_float_bits(value: f64) -> [u8; 8] {
    let canonical = if value.is_nan() {
        f64::NAN
    } else if value == 0.0 {
        0.0
    } else {
        value
    };
    canonical.to_bits().to_le_bytes()
}

/// Folds one value's bytes into a row's running hash.
fn fold_hash(hash: &mut u128, seed: u64, bytes: &[u8]) {
    let value_hash = xxh3_128_with_seed(bytes, seed);
    let mut pair = [0u8; 32];
    pair[..16].copy_from_slice(&hash.to_le_bytes());
    pair[16..].copy_from_slice(&value_hash.to_le_bytes());
    *hash = xxh3_128_with_seed(&pair, 0);
}

const SEED_NULL: u64 = 0x6e75_6c6c;
const SEED_INT: u64 = 0x0069_6e74;
const SEED_FLOAT: u64 = 0x666c_6f61;
const SEED_TEXT: u64 = 0x7465_7874;

/// Folds one column's per-row value hashes into `hashes`, and records NULLs in `is_null`.
/// Equal values hash equally whatever their physical encoding (dictionary or not, string or
/// view); NaN payloads and -0.0 are canonicalised the way SQL `GROUP BY` treats them.
fn combine_column_hashes(
    array: &dyn Array,
    hashes: &mut [u128],
    is_null: &mut [bool],
) -> Result<(), ArrowError> {
    let mut fold = |row: usize, seed: u64, bytes: &[u8]| fold_hash(&mut hashes[row], seed, bytes);
    let logical_type = match array.data_type() {
        DataType::Dictionary(_, value_type) => value_type.as_ref().clone(),
        other => other.clone(),
    };
    if logical_type.is_integer()
        || matches!(
            logical_type,
            DataType::Boolean | DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64
        )
    {
        let target = if matches!(logical_type, DataType::Timestamp(_, _)) {
            DataType::Timestamp(TimeUnit::Nanosecond, None)
        } else {
            DataType::Int64
        };
        let cast = arrow_cast::cast(array, &target)?;
        let cast = arrow_cast::cast(&cast, &DataType::Int64)?;
        for (row, value) in cast.as_primitive::<Int64Type>().iter().enumerate() {
            match value {
                Some(value) => fold(row, SEED_INT, &value.to_le_bytes()),
                None => {
                    is_null[row] = true;
                    fold(row, SEED_NULL, &[]);
                }
            }
        }
    } else if logical_type.is_floating() {
        let cast = arrow_cast::cast(array, &DataType::Float64)?;
        for (row, value) in cast.as_primitive::<Float64Type>().iter().enumerate() {
            match value {
                Some(value) => {
                    fold(row, SEED_FLOAT, &canonical_float_bits(value));
                }
                None => {
                    is_null[row] = true;
                    fold(row, SEED_NULL, &[]);
                }
            }
        }
    } else {
        let mut row = 0;
        for_each_text(array, |text| {
            match text {
                Some(text) => fold(row, SEED_TEXT, text.as_bytes()),
                None => {
                    is_null[row] = true;
                    fold(row, SEED_NULL, &[]);
                }
            }
            row += 1;
        })?;
    }
    Ok(())
}

/// Parses an RFC 3339 / ISO 8601 time (e.g. `2026-01-31T00:00:00Z`) to UTC microseconds.
pub fn parse_time_micros(text: &str) -> crate::Result<i64> {
    arrow_cast::parse::string_to_timestamp_nanos(text.trim())
        .map(|nanos| nanos.div_euclid(1_000))
        .map_err(|error| crate::Error::Option(format!("{text:?} is not a time: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{DictionaryArray, Float64Array, Int64Array, StringArray, types::Int32Type};
    use std::sync::Arc;

    #[test]
    fn completion_text_is_parsed_or_flagged() {
        let cases = [
            (Some("85%"), status::NUMBER, 85.0),
            (Some(" 42.5 "), status::NUMBER, 42.5),
            (Some("12 %"), status::NUMBER, 12.0),
            (Some(""), status::NULL, 0.0),
            (None, status::NULL, 0.0),
            (Some("NaN"), status::NAN, f64::NAN),
            (Some("abc"), status::NOT_NUMERIC, 0.0),
            (Some("85%%"), status::NOT_NUMERIC, 0.0),
        ];
        for (text, expected_status, expected_value) in cases {
            let (value, value_status) = parse_completion_text(text);
            assert_eq!(value_status, expected_status, "{text:?}");
            if !expected_value.is_nan() {
                assert_eq!(value, expected_value, "{text:?}");
            }
        }
    }

    #[test]
    fn scale_and_range_checks() {
        let mut values = vec![0.5, 1.0, 1.2, -0.1, 0.0];
        let mut statuses = vec![
            status::NUMBER,
            status::NUMBER,
            status::NUMBER,
            status::NUMBER,
            status::NULL,
        ];
        apply_scale(&mut values, &mut statuses, 100.0);
        assert_eq!(
            statuses,
            vec![
                status::VALID,
                status::VALID,
                status::OUT_OF_RANGE,
                status::OUT_OF_RANGE,
                status::NULL
            ]
        );
        assert_eq!(values[..2], [50.0, 100.0]);
    }

    #[test]
    fn dictionary_completion_decodes_like_plain() {
        let dictionary: DictionaryArray<Int32Type> =
            vec![Some("50%"), None, Some("x"), Some("50%")]
                .into_iter()
                .collect();
        let (mut values, mut statuses) = (Vec::new(), Vec::new());
        decode_completion(&dictionary, &mut values, &mut statuses).unwrap();
        assert_eq!(
            statuses,
            vec![
                status::NUMBER,
                status::NULL,
                status::NOT_NUMERIC,
                status::NUMBER
            ]
        );
        assert_eq!(values[0], 50.0);
    }

    #[test]
    fn equal_values_hash_equal_across_encodings() {
        let plain: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), None, Some("b")]));
        let dictionary: ArrayRef = Arc::new(
            vec![Some("a"), None, Some("b")]
                .into_iter()
                .collect::<DictionaryArray<Int32Type>>(),
        );
        let (mut left, mut right) = (Vec::new(), Vec::new());
        hash_event_ids(plain.as_ref(), &mut left).unwrap();
        hash_event_ids(dictionary.as_ref(), &mut right).unwrap();
        assert_eq!(left, right);
        assert!(left[1].is_none());
        assert_ne!(left[0], left[2]);

        let ints: ArrayRef = Arc::new(Int64Array::from(vec![1, 1]));
        let floats: ArrayRef = Arc::new(Float64Array::from(vec![f64::NAN, -f64::NAN]));
        let mut rows = Vec::new();
        hash_rows(&[ints, floats], 2, None, &mut rows).unwrap();
        assert_eq!(
            rows[0], rows[1],
            "NaN payloads are one value, as in SQL GROUP BY"
        );
    }
}
