//! The file metadata part of a saved state: one record per input file, field by field.

use super::codec::{Reader, Writer};
use crate::error::Result;
use crate::input::metadata::{ColumnMetadata, FileMetadata};

pub(super) fn encode(files: &[FileMetadata], out: &mut Writer) {
    let optional = |out: &mut Writer, text: &Option<String>| {
        out.bool(text.is_some());
        out.text(text.as_deref().unwrap_or_default());
    };
    out.u64(files.len() as u64);
    for file in files {
        out.text(&file.name);
        out.text(&file.format);
        out.u64(file.size);
        out.text(&file.fingerprint);
        out.u64(file.rows);
        out.u64(file.row_groups);
        out.u64(file.compression.len() as u64);
        file.compression.iter().for_each(|codec| out.text(codec));
        optional(out, &file.created_by);
        out.u64(file.columns.len() as u64);
        for column in &file.columns {
            out.text(&column.name);
            out.text(&column.data_type);
            optional(out, &column.description);
        }
    }
}

pub(super) fn decode(reader: &mut Reader<'_>) -> Result<Vec<FileMetadata>> {
    fn optional(reader: &mut Reader<'_>) -> Result<Option<String>> {
        let present = reader.bool()?;
        let text = reader.text()?;
        Ok(present.then_some(text))
    }
    let mut files = Vec::new();
    for _ in 0..reader.len()? {
        let name = reader.text()?;
        let format = reader.text()?;
        let size = reader.u64()?;
        let fingerprint = reader.text()?;
        let rows = reader.u64()?;
        let row_groups = reader.u64()?;
        let mut compression = Vec::new();
        for _ in 0..reader.len()? {
            compression.push(reader.text()?);
        }
        let created_by = optional(reader)?;
        let mut columns = Vec::new();
        for _ in 0..reader.len()? {
            columns.push(ColumnMetadata {
                name: reader.text()?,
                data_type: reader.text()?,
                description: optional(reader)?,
            });
        }
        files.push(FileMetadata {
            name,
            format,
            size,
            fingerprint,
            rows,
            row_groups,
            compression,
            created_by,
            columns,
        });
    }
    Ok(files)
}
