//! Any bytes as a Parquet file: open, read every row group, report. Must return `Ok` or `Err`,
//! never panic (decoder panics are caught by the engine and recorded as dependency bugs).
#![no_main]

mod common;

use bytes::Bytes;
use coursepulse_engine::{Analysis, Format, ParquetFile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = Bytes::copy_from_slice(data);
    let mut analysis = Analysis::new(common::options()).unwrap();
    match analysis.add_bytes("fuzz.parquet", bytes.clone(), Some(Format::Parquet)) {
        Ok(()) => {
            let _ = analysis.report();
        }
        Err(error) => common::record_decoder_panic(&error, data),
    }
    // The row-group API the web worker uses, last row group first.
    let mut analysis = Analysis::new(common::options()).unwrap();
    if let Ok(file) = ParquetFile::open("fuzz.parquet", bytes) {
        let _ = (file.num_rows(), file.schema());
        if let Ok(mut source) = file.begin(&mut analysis) {
            for row_group in (0..file.num_row_groups()).rev() {
                let _ = file.row_group_bytes(row_group);
                if let Err(error) = file.read_row_group(&mut analysis, &mut source, row_group) {
                    common::record_decoder_panic(&error, data);
                    let _ = analysis.abandon_source(source, "fuzz", error);
                    let _ = analysis.report();
                    return;
                }
            }
            let _ = analysis.finish_source(source);
            let _ = analysis.report();
        }
    }
});
