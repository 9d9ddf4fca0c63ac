//! How deep a Parquet file's schema nests, read straight from the footer's Thrift bytes before
//! parquet builds its schema tree. Building, converting and dropping that tree recurse once per
//! level, so a 55 KB file with a struct nested 3,000 deep overflowed the stack; here the depth
//! is found with loops and a refusal comes first.
//!
//! The footer is a Thrift compact-protocol `FileMetaData`: field 2 is the schema, a depth-first
//! list of `SchemaElement`s in which field 5, `num_children`, gives each group's child count.

/// The deepest schema CoursePulse reads. Watch logs are flat; the bad-input corpus has a
/// 60-level struct, which is read.
pub(crate) const MAX_DEPTH: usize = 100;

/// The nesting depth of the schema in `footer` (the file metadata bytes), `Err` with a message
/// when the bytes are not the expected Thrift; the caller lets parquet report those.
pub(crate) fn schema_depth(footer: &[u8]) -> Result<usize, &'static str> {
    let mut input = Compact {
        bytes: footer,
        at: 0,
    };
    let mut field_id = 0i16;
    loop {
        let Some((id, kind)) = input.field_header(&mut field_id)? else {
            return Err("the file metadata has no schema");
        };
        if id == 2 && kind == LIST {
            return input.schema_list_depth();
        }
        input.skip(kind, 0)?;
    }
}

pub(super) const TRUE: u8 = 1;
pub(super) const FALSE: u8 = 2;
const BYTE: u8 = 3;
const I16: u8 = 4;
pub(super) const I32: u8 = 5;
const I64: u8 = 6;
const DOUBLE: u8 = 7;
const BINARY: u8 = 8;
const LIST: u8 = 9;
const SET: u8 = 10;
const MAP: u8 = 11;
pub(super) const STRUCT: u8 = 12;

/// Nested Thrift values skipped over (logical types are a union of structs, about 3 deep).
const MAX_SKIP_DEPTH: usize = 32;

/// A reader of Thrift compact-protocol bytes (also used for page headers, `input::pages`).
pub(super) struct Compact<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) at: usize,
}

impl Compact<'_> {
    fn byte(&mut self) -> Result<u8, &'static str> {
        let byte = *self
            .bytes
            .get(self.at)
            .ok_or("the file metadata ends early")?;
        self.at += 1;
        Ok(byte)
    }

    fn varint(&mut self) -> Result<u64, &'static str> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift.min(63);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a number in the file metadata is too long")
    }

    pub(super) fn zigzag(&mut self) -> Result<i64, &'static str> {
        let raw = self.varint()?;
        Ok((raw >> 1) as i64 ^ -((raw & 1) as i64))
    }

    /// The next field's id and type, or `None` at the end of the struct.
    pub(super) fn field_header(
        &mut self,
        last_id: &mut i16,
    ) -> Result<Option<(i16, u8)>, &'static str> {
        let header = self.byte()?;
        if header == 0 {
            return Ok(None);
        }
        let delta = header >> 4;
        let id = if delta == 0 {
            i16::try_from(self.zigzag()?).map_err(|_| "a field id is out of range")?
        } else {
            last_id.saturating_add(i16::from(delta))
        };
        *last_id = id;
        Ok(Some((id, header & 0x0f)))
    }

    /// A list's element count and element type.
    fn list_header(&mut self) -> Result<(usize, u8), &'static str> {
        let header = self.byte()?;
        let size = match header >> 4 {
            15 => self.varint()?,
            small => u64::from(small),
        };
        let size = usize::try_from(size).map_err(|_| "a list is too long")?;
        // Every element takes at least one byte, which bounds a forged count.
        if size > self.bytes.len() - self.at {
            return Err("a list is longer than the file metadata");
        }
        Ok((size, header & 0x0f))
    }

    pub(super) fn skip(&mut self, kind: u8, depth: usize) -> Result<(), &'static str> {
        if depth > MAX_SKIP_DEPTH {
            return Err("the file metadata nests too deep");
        }
        match kind {
            TRUE | FALSE => {}
            BYTE => {
                self.byte()?;
            }
            I16 | I32 | I64 => {
                self.varint()?;
            }
            DOUBLE => self.advance(8)?,
            BINARY => {
                let length = usize::try_from(self.varint()?).map_err(|_| "a string is too long")?;
                self.advance(length)?;
            }
            LIST | SET => {
                let (size, element) = self.list_header()?;
                for _ in 0..size {
                    self.skip(element, depth + 1)?;
                }
            }
            MAP => {
                let size = self.varint()?;
                if size > 0 {
                    let kinds = self.byte()?;
                    for _ in 0..size {
                        self.skip(kinds >> 4, depth + 1)?;
                        self.skip(kinds & 0x0f, depth + 1)?;
                    }
                }
            }
            STRUCT => {
                let mut last_id = 0;
                while let Some((_, field)) = self.field_header(&mut last_id)? {
                    self.skip(field, depth + 1)?;
                }
            }
            _ => return Err("the file metadata has an unknown Thrift type"),
        }
        Ok(())
    }

    fn advance(&mut self, count: usize) -> Result<(), &'static str> {
        let end = self
            .at
            .checked_add(count)
            .filter(|end| *end <= self.bytes.len())
            .ok_or("the file metadata ends early")?;
        self.at = end;
        Ok(())
    }

    /// Walks the depth-first list of schema elements with a stack of the children still due at
    /// each open group, returning the deepest level reached (the root is level 0).
    fn schema_list_depth(&mut self) -> Result<usize, &'static str> {
        let (size, element) = self.list_header()?;
        if element != STRUCT {
            return Err("the schema is not a list of elements");
        }
        let mut due: Vec<u64> = Vec::new();
        let mut deepest = 0;
        for _ in 0..size {
            while due.last() == Some(&0) {
                due.pop();
            }
            if let Some(remaining) = due.last_mut() {
                *remaining -= 1;
            }
            deepest = deepest.max(due.len());
            let children = self.element_children()?;
            if children > 0 {
                due.push(children);
            }
        }
        Ok(deepest)
    }

    /// One `SchemaElement`, skipped but for `num_children` (field 5).
    fn element_children(&mut self) -> Result<u64, &'static str> {
        let mut last_id = 0;
        let mut children = 0;
        while let Some((id, kind)) = self.field_header(&mut last_id)? {
            if id == 5 && kind == I32 {
                children = u64::try_from(self.zigzag()?).unwrap_or(0);
            } else {
                self.skip(kind, 1)?;
            }
        }
        Ok(children)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StructArray};
    use arrow_schema::{Field, Fields};
    use parquet::arrow::ArrowWriter;

    /// The footer bytes of a Parquet file with one column nested `levels` structs deep.
    fn footer_of_nesting(levels: usize) -> Vec<u8> {
        let mut column: ArrayRef = Arc::new(Int64Array::from(vec![1, 2]));
        for level in 0..levels {
            let field = Field::new(format!("level{level}"), column.data_type().clone(), true);
            column = Arc::new(StructArray::new(
                Fields::from(vec![field]),
                vec![column],
                None,
            ));
        }
        let batch = RecordBatch::try_from_iter([("student_id", column)]).unwrap();
        let mut file = Vec::new();
        let mut writer = ArrowWriter::try_new(&mut file, batch.schema(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let length = file.len();
        let footer_length =
            u32::from_le_bytes(file[length - 8..length - 4].try_into().unwrap()) as usize;
        file[length - 8 - footer_length..length - 8].to_vec()
    }

    #[test]
    fn depth_is_read_from_the_footer() {
        for levels in [0, 1, 5, 30] {
            // The leaf sits one level below the column's last struct.
            assert_eq!(
                schema_depth(&footer_of_nesting(levels)),
                Ok(levels + 1),
                "{levels}"
            );
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let footer = footer_of_nesting(3);
        for cut in 0..footer.len() {
            let _ = schema_depth(&footer[..cut]);
        }
        assert!(schema_depth(&[]).is_err());
        assert!(schema_depth(&[0x19, 0xfc, 0xff, 0xff, 0xff, 0x0f]).is_err());
        let mut flipped = footer.clone();
        for index in 0..flipped.len() {
            flipped[index] ^= 0x5a;
            let _ = schema_depth(&flipped);
            flipped[index] ^= 0x5a;
        }
    }

    use coursepulse_fixtures::{nested_schema_footer as forged_footer, nested_schema_parquet};

    /// Regression: a 55 KB file whose schema nests 3,000 deep overflowed the stack (exit 134).
    #[test]
    fn a_schema_nested_thousands_deep_is_refused_by_open() {
        let file_of = |levels| bytes::Bytes::from(nested_schema_parquet(levels));
        // The forged footer is a real one: parquet reads it at a shallow depth.
        assert_eq!(schema_depth(&forged_footer(3)), Ok(3));
        let shallow = crate::ParquetFile::open("shallow.parquet", file_of(3));
        assert_eq!(
            shallow
                .map(|file| file.num_row_groups())
                .map_err(|error| error.to_string()),
            Ok(0)
        );
        let footer = forged_footer(3_000);
        assert_eq!(schema_depth(&footer), Ok(3_000));
        let error = crate::ParquetFile::open("deep.parquet", file_of(3_000))
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("nests 3000 levels deep; CoursePulse reads at most 100"),
            "{error}"
        );
    }
}
