//! The kept rows ([`RowTable`]) in a part's bytes (see [`crate::Analysis::save_part`]): the id
//! columns as fixed-width little-endian blocks (millions of rows encode and decode at memory
//! speed, where varints would be read byte by byte), then the completion dictionary, the
//! segments and the copies. Every id and index is checked against the tables it points into.

use crate::compute::aggregate::Aggregator;
use crate::compute::keys::NONE;
use crate::compute::rows::{Copy, FIRST_VALUE, RowTable, Segment};
use crate::error::Result;
use crate::state::codec::{Reader, Writer};

pub(super) fn encode(table: &RowTable, out: &mut Writer) {
    out.u64(table.len() as u64);
    for column in [
        &table.students,
        &table.videos,
        &table.courses,
        &table.titles,
        &table.codes,
        &table.roles,
        &table.completions,
    ] {
        out.bytes.reserve(column.len() * 4);
        column
            .iter()
            .for_each(|id| out.bytes.extend_from_slice(&id.to_le_bytes()));
    }
    out.bytes.reserve(table.len() * 8);
    table
        .times
        .iter()
        .for_each(|time| out.bytes.extend_from_slice(&time.to_le_bytes()));
    out.bytes.extend_from_slice(&table.flags);
    out.u64(table.values.len() as u64);
    table.values.iter().for_each(|value| out.f64(*value));
    out.u64(table.segments.len() as u64);
    for segment in &table.segments {
        out.u32(segment.start);
        out.u32(segment.source);
        out.u64(segment.first_row);
        out.bool(segment.has_course);
        out.bool(segment.has_role);
    }
    out.u64(table.copies.len() as u64);
    for copy in &table.copies {
        out.u128(copy.key);
        out.i64(copy.updated_at);
        out.u32(copy.row);
    }
}

pub(super) fn decode(reader: &mut Reader<'_>) -> Result<RowTable> {
    let rows = reader.len()?;
    let mut table = RowTable::default();
    // Seven u32 columns, the times and the flags: checked before anything is allocated.
    let fits = rows
        .checked_mul(7 * 4 + 8 + 1)
        .is_some_and(|needed| needed <= reader.bytes.len());
    if !fits {
        return Err(reader.corrupt("more rows than the part's bytes hold"));
    }
    for column in [
        &mut table.students,
        &mut table.videos,
        &mut table.courses,
        &mut table.titles,
        &mut table.codes,
        &mut table.roles,
        &mut table.completions,
    ] {
        *column = reader
            .take(rows * 4)?
            .chunks_exact(4)
            .map(|bytes| u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
            .collect();
    }
    table.times = reader
        .take(rows * 8)?
        .chunks_exact(8)
        .map(|bytes| {
            let mut word = [0u8; 8];
            word.copy_from_slice(bytes);
            i64::from_le_bytes(word)
        })
        .collect();
    table.flags = reader.take(rows)?.to_vec();
    for _ in 0..reader.len()? {
        table.values.push(reader.f64()?);
    }
    for _ in 0..reader.len()? {
        table.segments.push(Segment {
            start: reader.u32()?,
            source: reader.u32()?,
            first_row: reader.u64()?,
            has_course: reader.bool()?,
            has_role: reader.bool()?,
        });
    }
    for _ in 0..reader.len()? {
        table.copies.push(Copy {
            key: reader.u128()?,
            updated_at: reader.i64()?,
            row: reader.u32()?,
        });
    }
    if !table.index_values() {
        return Err(reader.corrupt("a kept completion is listed twice or is not valid"));
    }
    Ok(table)
}

/// `Err` naming the first kept-row id or index that points outside its table.
pub(super) fn check(table: &RowTable, aggregator: &Aggregator) -> Result<(), &'static str> {
    let rows = table.len();
    let within =
        |column: &[u32], len: usize| column.iter().all(|id| *id == NONE || (*id as usize) < len);
    let ids_ok = within(&table.students, aggregator.students.len())
        && within(&table.videos, aggregator.videos.len())
        && within(&table.courses, aggregator.courses.len())
        && within(&table.titles, aggregator.titles.len())
        && within(&table.codes, aggregator.codes.len())
        && within(&table.roles, aggregator.roles.len());
    if !ids_ok {
        return Err("a kept row's id is out of range");
    }
    let completions = FIRST_VALUE as usize + table.values.len();
    if !table
        .completions
        .iter()
        .all(|id| (*id as usize) < completions)
    {
        return Err("a kept row's completion id is out of range");
    }
    let sources = aggregator.source_names.len();
    // A batch of no rows leaves an empty segment: starts may repeat, and the last may be the end.
    let segments_ok = table.segments.first().is_none_or(|first| first.start == 0)
        && table.segments.windows(2).all(|pair| {
            pair[0].start <= pair[1].start
                && (pair[0].source, pair[0].first_row) < (pair[1].source, pair[1].first_row)
        })
        && table
            .segments
            .iter()
            .all(|segment| (segment.start as usize) <= rows && (segment.source as usize) < sources)
        && (rows == 0 || !table.segments.is_empty());
    // Row numbers fit an origin's 40 bits (`compute::aggregate::origin`), so no arithmetic on
    // them overflows.
    let numbers_ok = table.segments.iter().enumerate().all(|(number, segment)| {
        let end = table
            .segments
            .get(number + 1)
            .map_or(rows, |next| next.start as usize);
        let length = end.saturating_sub(segment.start as usize) as u64;
        segment.first_row >= 1 && segment.first_row.saturating_add(length) < 1 << 40
    });
    if !segments_ok || !numbers_ok {
        return Err("the kept rows' segments are out of order or out of range");
    }
    if !table.copies.iter().all(|copy| (copy.row as usize) < rows) {
        return Err("a kept copy's row is out of range");
    }
    Ok(())
}
