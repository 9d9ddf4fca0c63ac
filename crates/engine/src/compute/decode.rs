//! Column decoding: arrow arrays of any supported type -> the plain per-row vectors the
//! aggregator loops over (completion values with a status, timestamps, row and event keys).

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal32Type, Decimal64Type, Decimal128Type, Decimal256Type,
    DecimalType, Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{ArrowError, DataType, TimeUnit};
use xxhash_rust::xxh3::xxh3_128_with_seed;

use crate::columns::ScaleCheck;
use crate::compute::keys::for_each_text;
use crate::time::parse_time_micros;

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
            for_each_f64(array, &mut |value| match value {
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
            })?;
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
/// Returns the numbers as stored, the scale check's evidence, counted in the same pass.
pub(crate) fn apply_scale(values: &mut [f64], statuses: &mut [u8], factor: f64) -> ScaleCheck {
    let (mut numbers, mut within_one, mut above_one) = (0u64, 0u64, 0u64);
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for (value, value_status) in values.iter_mut().zip(statuses.iter_mut()) {
        if *value_status == status::NUMBER {
            numbers += 1;
            within_one += u64::from((0.0..=1.0).contains(value));
            above_one += u64::from(*value > 1.0);
            min = min.min(*value);
            max = max.max(*value);
            *value *= factor;
            *value_status = if (0.0..=100.0).contains(value) {
                status::VALID
            } else {
                status::OUT_OF_RANGE
            };
        }
    }
    ScaleCheck {
        numbers,
        within_one,
        above_one,
        min: (numbers > 0).then_some(min),
        max: (numbers > 0).then_some(max),
    }
}

/// Decodes a timestamp, date, integer (microseconds) or ISO-8601 text column to UTC microseconds.
/// Values that cannot be read as a time become NULL.
pub(crate) fn decode_times(array: &dyn Array, out: &mut Vec<i64>) -> Result<(), ArrowError> {
    out.clear();
    if let Some(dictionary) = array.as_any_dictionary_opt() {
        let mut decoded = Vec::new();
        decode_times(dictionary.values().as_ref(), &mut decoded)?;
        let nulls = array.logical_nulls();
        for (row, key) in dictionary.normalized_keys().into_iter().enumerate() {
            let is_null = nulls.as_ref().is_some_and(|nulls| nulls.is_null(row));
            out.push(if is_null {
                NO_TIME
            } else {
                decoded.get(key).copied().unwrap_or(NO_TIME)
            });
        }
        return Ok(());
    }
    // Zone-aware timestamps hold UTC instants; naive ones are read as UTC, as DuckDB does.
    let scaled = |out: &mut Vec<i64>,
                  values: &mut dyn Iterator<Item = Option<i64>>,
                  to_micros: &dyn Fn(i64) -> i64| {
        out.extend(values.map(|value| value.map_or(NO_TIME, to_micros)));
    };
    match array.data_type() {
        DataType::Null => out.resize(array.len(), NO_TIME),
        DataType::Timestamp(TimeUnit::Second, _) => scaled(
            out,
            &mut array.as_primitive::<TimestampSecondType>().iter(),
            &|seconds| seconds.saturating_mul(1_000_000),
        ),
        DataType::Timestamp(TimeUnit::Millisecond, _) => scaled(
            out,
            &mut array.as_primitive::<TimestampMillisecondType>().iter(),
            &|millis| millis.saturating_mul(1_000),
        ),
        DataType::Timestamp(TimeUnit::Microsecond, _) => scaled(
            out,
            &mut array.as_primitive::<TimestampMicrosecondType>().iter(),
            &|micros| micros,
        ),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => scaled(
            out,
            &mut array.as_primitive::<TimestampNanosecondType>().iter(),
            &|nanos| nanos.div_euclid(1_000),
        ),
        DataType::Date32 => scaled(
            out,
            &mut array
                .as_primitive::<Date32Type>()
                .iter()
                .map(|days| days.map(i64::from)),
            &|days| days.saturating_mul(86_400_000_000),
        ),
        DataType::Date64 => scaled(
            out,
            &mut array.as_primitive::<Date64Type>().iter(),
            &|millis| millis.saturating_mul(1_000),
        ),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            for_each_text(array, |text| {
                out.push(
                    text.and_then(|text| parse_time_micros(text).ok())
                        .unwrap_or(NO_TIME),
                );
            })?;
        }
        data_type if data_type.is_integer() => {
            // Integers are microseconds since the epoch.
            for_each_i64(array, &mut |value| out.push(value.unwrap_or(NO_TIME)))?;
        }
        other => {
            return Err(ArrowError::CastError(format!(
                "time column has type {other}; expected a timestamp, date, integer or ISO 8601 text"
            )));
        }
    }
    Ok(())
}

/// Calls `visit` with each value of a numeric column as `f64` (`None` for NULL): integers,
/// floats and decimals, read directly (no cast kernels, which would add megabytes to the wasm).
pub(crate) fn for_each_f64(
    array: &dyn Array,
    visit: &mut dyn FnMut(Option<f64>),
) -> Result<(), ArrowError> {
    macro_rules! each {
        ($type:ty, $convert:expr) => {
            array
                .as_primitive::<$type>()
                .iter()
                .for_each(|value| visit(value.map($convert)))
        };
    }
    fn decimal<T: DecimalType>(
        array: &dyn Array,
        precision: u8,
        scale: i8,
        visit: &mut dyn FnMut(Option<f64>),
    ) {
        for value in array.as_primitive::<T>().iter() {
            // Through the decimal's exact text form, so no precision is lost before the f64.
            visit(value.and_then(|value| T::format_decimal(value, precision, scale).parse().ok()));
        }
    }
    match array.data_type() {
        DataType::Int8 => each!(Int8Type, f64::from),
        DataType::Int16 => each!(Int16Type, f64::from),
        DataType::Int32 => each!(Int32Type, f64::from),
        DataType::Int64 => each!(Int64Type, |value| value as f64),
        DataType::UInt8 => each!(UInt8Type, f64::from),
        DataType::UInt16 => each!(UInt16Type, f64::from),
        DataType::UInt32 => each!(UInt32Type, f64::from),
        DataType::UInt64 => each!(UInt64Type, |value| value as f64),
        DataType::Float16 => each!(Float16Type, |value| value.to_f64()),
        DataType::Float32 => each!(Float32Type, f64::from),
        DataType::Float64 => each!(Float64Type, |value| value),
        DataType::Decimal32(precision, scale) => {
            decimal::<Decimal32Type>(array, *precision, *scale, visit)
        }
        DataType::Decimal64(precision, scale) => {
            decimal::<Decimal64Type>(array, *precision, *scale, visit)
        }
        DataType::Decimal128(precision, scale) => {
            decimal::<Decimal128Type>(array, *precision, *scale, visit)
        }
        DataType::Decimal256(precision, scale) => {
            decimal::<Decimal256Type>(array, *precision, *scale, visit)
        }
        other => {
            return Err(ArrowError::CastError(format!(
                "expected a numeric column, found {other}"
            )));
        }
    }
    Ok(())
}

/// Calls `visit` with each value of an integer, boolean, date or timestamp column as `i64`:
/// integers as they are (unsigned 64-bit wraps), booleans as 0/1, dates as days (Date32) or
/// milliseconds (Date64), timestamps as nanoseconds whatever their unit.
fn for_each_i64(array: &dyn Array, visit: &mut dyn FnMut(Option<i64>)) -> Result<(), ArrowError> {
    macro_rules! each {
        ($type:ty, $convert:expr) => {
            array
                .as_primitive::<$type>()
                .iter()
                .for_each(|value| visit(value.map($convert)))
        };
    }
    match array.data_type() {
        DataType::Int8 => each!(Int8Type, i64::from),
        DataType::Int16 => each!(Int16Type, i64::from),
        DataType::Int32 => each!(Int32Type, i64::from),
        DataType::Int64 => each!(Int64Type, |value| value),
        DataType::UInt8 => each!(UInt8Type, i64::from),
        DataType::UInt16 => each!(UInt16Type, i64::from),
        DataType::UInt32 => each!(UInt32Type, i64::from),
        DataType::UInt64 => each!(UInt64Type, |value| value as i64),
        DataType::Boolean => array
            .as_boolean()
            .iter()
            .for_each(|value| visit(value.map(i64::from))),
        DataType::Date32 => each!(Date32Type, i64::from),
        DataType::Date64 => each!(Date64Type, |value| value),
        DataType::Timestamp(TimeUnit::Second, _) => {
            each!(TimestampSecondType, |value| value
                .saturating_mul(1_000_000_000))
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            each!(TimestampMillisecondType, |value| value
                .saturating_mul(1_000_000))
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            each!(TimestampMicrosecondType, |value| value
                .saturating_mul(1_000))
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            each!(TimestampNanosecondType, |value| value)
        }
        other => {
            return Err(ArrowError::CastError(format!(
                "expected an integer, boolean, date or timestamp column, found {other}"
            )));
        }
    }
    Ok(())
}

/// Calls `visit(row, value)` for each row, with values read by `each`; a dictionary-encoded
/// column has its dictionary read once and its keys mapped (`None` for NULL rows).
fn for_each_row<T: Copy>(
    array: &dyn Array,
    each: impl Fn(&dyn Array, &mut dyn FnMut(Option<T>)) -> Result<(), ArrowError>,
    mut visit: impl FnMut(usize, Option<T>),
) -> Result<(), ArrowError> {
    let Some(dictionary) = array.as_any_dictionary_opt() else {
        let mut row = 0;
        return each(array, &mut |value| {
            visit(row, value);
            row += 1;
        });
    };
    let mut decoded = Vec::new();
    each(dictionary.values().as_ref(), &mut |value| {
        decoded.push(value)
    })?;
    let nulls = array.logical_nulls();
    for (row, key) in dictionary.normalized_keys().into_iter().enumerate() {
        let is_null = nulls.as_ref().is_some_and(|nulls| nulls.is_null(row));
        visit(
            row,
            if is_null {
                None
            } else {
                decoded.get(key).copied().flatten()
            },
        );
    }
    Ok(())
}

/// Hashes one key column (the event id) to 128 bits per row; NULL rows get `None`.
///
/// One hash per value, not a fold into a running row hash (`hash_rows` needs that, a single
/// column does not), and integer ids need no hash at all: [`int_key`] is a bijection, so two
/// ids share a key only when they are equal (callgrind at 1M rows: 108 of 2,142 instructions a
/// row went to the fold and the integer's hash).
pub(crate) fn hash_event_ids(
    array: &dyn Array,
    out: &mut Vec<Option<u128>>,
) -> Result<(), ArrowError> {
    out.clear();
    out.resize(array.len(), None);
    for_each_value(array, |row, value| {
        out[row] = match value {
            Value::Null => None,
            Value::Int(value) => Some(int_key(value)),
            Value::Float(bits) => Some(xxh3_128_with_seed(&bits, SEED_FLOAT)),
            Value::Text(text) => Some(xxh3_128_with_seed(text, SEED_TEXT)),
        };
    })
}

/// An integer id's 128-bit key: the value, tagged, times an odd constant (a bijection of the
/// 128-bit integers, so distinct ids never collide), which spreads every bit of the id into the
/// top bits the key table partitions by.
fn int_key(value: i64) -> u128 {
    const SPREAD: u128 = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835;
    ((u128::from(SEED_INT) << 64) | u128::from(value as u64)).wrapping_mul(SPREAD)
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
                // One pass over borrowed text: copying every row's text first took the whole
                // column again (2 GB for 1,984 rows of megabyte values).
                let mut row = 0;
                for_each_text(column.as_ref(), |text| {
                    if row < n_rows {
                        match statuses[row] {
                            status::NULL => fold_hash(&mut out[row], SEED_NULL, &[]),
                            status::NOT_NUMERIC => {
                                fold_hash(&mut out[row], SEED_TEXT, text.unwrap_or("").as_bytes())
                            }
                            _ => fold_hash(
                                &mut out[row],
                                SEED_FLOAT,
                                &canonical_float_bits(values[row]),
                            ),
                        }
                    }
                    row += 1;
                })?;
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
fn combine_column_hashes(
    array: &dyn Array,
    hashes: &mut [u128],
    is_null: &mut [bool],
) -> Result<(), ArrowError> {
    for_each_value(array, |row, value| match value {
        Value::Null => {
            is_null[row] = true;
            fold_hash(&mut hashes[row], SEED_NULL, &[]);
        }
        Value::Int(value) => fold_hash(&mut hashes[row], SEED_INT, &value.to_le_bytes()),
        Value::Float(bits) => fold_hash(&mut hashes[row], SEED_FLOAT, &bits),
        Value::Text(text) => fold_hash(&mut hashes[row], SEED_TEXT, text),
    })
}

/// One value of a column, as the hashes see it.
enum Value<'a> {
    Null,
    /// Integers, booleans, dates and timestamps, widened.
    Int(i64),
    /// A float's canonical bits (one NaN, no -0.0).
    Float([u8; 8]),
    /// Text and binary, by their bytes.
    Text(&'a [u8]),
}

/// Visits every row's value of `array` in row order. Equal values are visited equally whatever
/// their physical encoding (dictionary or not, string or view); NaN payloads and -0.0 are
/// canonicalised the way SQL `GROUP BY` treats them.
fn for_each_value(
    array: &dyn Array,
    mut visit: impl FnMut(usize, Value<'_>),
) -> Result<(), ArrowError> {
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
        for_each_row(
            array,
            |values, visit| for_each_i64(values, visit),
            |row, value| visit(row, value.map_or(Value::Null, Value::Int)),
        )
    } else if logical_type.is_floating() {
        for_each_row(
            array,
            |values, visit| for_each_f64(values, visit),
            |row, value| {
                visit(
                    row,
                    value.map_or(Value::Null, |value| {
                        Value::Float(canonical_float_bits(value))
                    }),
                )
            },
        )
    } else {
        let mut row = 0;
        for_each_text(array, |text| {
            visit(
                row,
                text.map_or(Value::Null, |text| Value::Text(text.as_bytes())),
            );
            row += 1;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{
        DictionaryArray, Float64Array, Int32Array, Int64Array, StringArray, types::Int32Type,
    };
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

    #[test]
    fn integer_event_ids_are_keys_of_their_own_that_spread_over_the_partitions() {
        // Int32 and Int64 ids of equal value share a key; the text "7" is another value.
        let narrow: ArrayRef = Arc::new(Int32Array::from(vec![Some(7), None, Some(-1)]));
        let wide: ArrayRef = Arc::new(Int64Array::from(vec![Some(7), None, Some(-1)]));
        let text: ArrayRef = Arc::new(StringArray::from(vec!["7"]));
        let (mut left, mut right, mut texts) = (Vec::new(), Vec::new(), Vec::new());
        hash_event_ids(narrow.as_ref(), &mut left).unwrap();
        hash_event_ids(wide.as_ref(), &mut right).unwrap();
        hash_event_ids(text.as_ref(), &mut texts).unwrap();
        assert_eq!(left, right);
        assert_eq!(left[1], None);
        assert_ne!(left[0], texts[0]);
        // Sequential ids (the usual shape) are distinct keys and fill every partition evenly:
        // the key table partitions by the top 8 bits.
        let mut per_partition = [0u32; 256];
        let mut seen = std::collections::HashSet::new();
        for id in 0..(1i64 << 16) {
            let key = int_key(id);
            assert!(seen.insert(key), "id {id} shares a key");
            per_partition[(key >> 120) as usize] += 1;
        }
        let (low, high) = (
            per_partition.iter().min().unwrap(),
            per_partition.iter().max().unwrap(),
        );
        assert!(
            *low >= 128 && *high <= 384,
            "partitions hold {low}..{high} of 65,536 ids"
        );
    }

    #[test]
    fn times_of_every_type_become_utc_micros() {
        use arrow_array::{
            Date32Array, Date64Array, TimestampNanosecondArray, TimestampSecondArray,
        };
        let day = 86_400_000_000i64;
        let check = |array: ArrayRef, expected: &[i64]| {
            let mut out = Vec::new();
            decode_times(array.as_ref(), &mut out).unwrap();
            assert_eq!(out, expected, "{}", array.data_type());
        };
        check(
            Arc::new(Date32Array::from(vec![Some(1), None])),
            &[day, NO_TIME],
        );
        check(Arc::new(Date64Array::from(vec![86_400_000])), &[day]);
        check(
            Arc::new(TimestampSecondArray::from(vec![2]).with_timezone("+05:00")),
            &[2_000_000],
        );
        check(
            Arc::new(TimestampNanosecondArray::from(vec![-1_500])),
            &[-2],
        );
        check(Arc::new(Int64Array::from(vec![7])), &[7]);
        check(
            Arc::new(StringArray::from(vec![
                Some("1970-01-02T00:00:00Z"),
                Some("soon"),
                None,
            ])),
            &[day, NO_TIME, NO_TIME],
        );
        let dictionary: DictionaryArray<Int32Type> =
            vec![Some("1970-01-02"), None, Some("1970-01-02")]
                .into_iter()
                .collect();
        check(Arc::new(dictionary), &[day, NO_TIME, day]);
        let mut out = Vec::new();
        let error = decode_times(&arrow_array::BooleanArray::from(vec![true]), &mut out);
        assert!(
            error
                .unwrap_err()
                .to_string()
                .contains("time column has type Boolean")
        );
    }

    #[test]
    fn numbers_of_every_type_become_f64() {
        use arrow_array::{Decimal128Array, UInt64Array};
        let numbers = |array: &dyn Array| {
            let mut out = Vec::new();
            for_each_f64(array, &mut |value| out.push(value)).unwrap();
            out
        };
        let decimals = Decimal128Array::from(vec![Some(8525), None])
            .with_precision_and_scale(5, 2)
            .unwrap();
        assert_eq!(numbers(&decimals), [Some(85.25), None]);
        let halves = arrow_cast::cast(
            &arrow_array::Float32Array::from(vec![0.5]),
            &DataType::Float16,
        )
        .unwrap();
        assert_eq!(numbers(halves.as_ref()), [Some(0.5)]);
        assert_eq!(numbers(&UInt64Array::from(vec![3])), [Some(3.0)]);
        assert!(for_each_f64(&StringArray::from(vec!["1"]), &mut |_| {}).is_err());
    }

    #[test]
    fn event_ids_hash_by_value_across_integer_widths_and_units() {
        use arrow_array::{TimestampMicrosecondArray, TimestampMillisecondArray};
        let hashes = |array: &dyn Array| {
            let mut out = Vec::new();
            hash_event_ids(array, &mut out).unwrap();
            out
        };
        assert_eq!(
            hashes(&Int32Array::from(vec![Some(5), None])),
            hashes(&Int64Array::from(vec![Some(5), None]))
        );
        assert_eq!(hashes(&Int32Array::from(vec![None]))[0], None);
        assert_eq!(
            hashes(&TimestampMillisecondArray::from(vec![3])),
            hashes(&TimestampMicrosecondArray::from(vec![3_000]))
        );
        let dictionary: DictionaryArray<Int32Type> = DictionaryArray::new(
            Int32Array::from(vec![0, 0]),
            Arc::new(Int64Array::from(vec![9])),
        );
        assert_eq!(hashes(&dictionary), hashes(&Int64Array::from(vec![9, 9])));
        assert_ne!(
            hashes(&Int64Array::from(vec![5]))[0],
            hashes(&Int64Array::from(vec![6]))[0]
        );
    }
}
