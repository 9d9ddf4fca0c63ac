//! The file metadata part of a saved state: one record per input file, field by field.

use super::codec::{Reader, Writer};
use crate::error::Result;
use crate::input::metadata::{ColumnMetadata, FileMetadata};

pub(super) fn encode(files: &[FileMetadata], out: &mut Writer) {
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
        out.optional_text(file.created_by.as_deref());
        out.u64(file.columns.len() as u64);
        for column in &file.columns {
            out.text(&column.name);
            out.text(&column.data_type);
            out.optional_text(column.description.as_deref());
        }
    }
}

pub(super) fn decode(reader: &mut Reader<'_>) -> Result<Vec<FileMetadata>> {
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
        let created_by = reader.optional_text()?;
        let mut columns = Vec::new();
        for _ in 0..reader.len()? {
            columns.push(ColumnMetadata {
                name: reader.text()?,
                data_type: reader.text()?,
                description: reader.optional_text()?,
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
