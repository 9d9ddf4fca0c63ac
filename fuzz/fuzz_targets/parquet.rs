//! Any bytes as a Parquet file: open, read every row group, report. Must return `Ok` or `Err`,
//! never panic (decoder panics are caught by the engine and recorded as dependency bugs).
#![no_main]

mod common;

use bytes::Bytes;
use coursepulse_engine::{Analysis, Format, ParquetFile, ReadPlan};
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
    // The read plan every streaming reader drives (the web worker, the JS package), with the
    // byte ranges it asks for checked against the file.
    let mut analysis = Analysis::new(common::options()).unwrap();
    if let Ok(file) = ParquetFile::open("fuzz.parquet", bytes) {
        let _ = (file.num_rows(), file.schema());
        let mut plan = ReadPlan::for_rows(&analysis, file.num_rows());
        if plan.begin_file(&mut analysis, &file).is_err() {
            return;
        }
        loop {
            let step = match plan.next_step(&mut analysis) {
                Ok(Some(step)) => step,
                Ok(None) => break,
                Err(_) => return,
            };
            let _ = file.row_group_bytes(step.row_group);
            for range in plan.ranges(&analysis, &file, step) {
                assert!(range.start <= range.end, "{range:?}");
            }
            if let Err(error) = plan.read(&mut analysis, &file, step) {
                common::record_decoder_panic(&error, data);
                let _ = analysis.report();
                return;
            }
        }
        let _ = plan.finish(&mut analysis);
        let _ = analysis.report();
    }
});
