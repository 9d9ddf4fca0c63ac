//! Any bytes as a CSV file: the header for the mapping screen, then the whole analysis.
#![no_main]

mod common;

use coursepulse_engine::{Analysis, csv_columns};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(error) = csv_columns(data) {
        common::record_decoder_panic(&error, data);
    }
    let mut analysis = Analysis::new(common::options()).unwrap();
    match analysis.add_csv("fuzz.csv", data) {
        Ok(()) => {
            let report = analysis.report();
            assert!(report.rows.total >= report.rows.student);
        }
        Err(error) => common::record_decoder_panic(&error, data),
    }
});
