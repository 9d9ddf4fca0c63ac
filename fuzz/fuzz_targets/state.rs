//! Any bytes as a saved analysis state, re-sealed first (a state's checksum is no secret, so an
//! edited file can always carry a valid one): `Analysis::load_state` returns an analysis or an
//! error, never panics, and a loaded analysis reports, answers a view when it kept rows, takes
//! more rows and saves again. The same bytes as an event-log state: `EventLog::load_state`
//! returns a log or an error, and a loaded log reports, takes another log and saves again.
#![no_main]

use coursepulse_engine::{Analysis, EventLog, Filter, Options};
use libfuzzer_sys::fuzz_target;

const MORE: &str = "event_id,student_id,course_id,course_code,video_id,video_title,role,completion_rate_percent,last_updated_at\n\
1,S1,C1,CSC101,V1,Intro,Student,90,2025-03-05T10:00:00Z\n\
9,S9,C3,PHY101,V9,Waves,Student,20,2025-03-05T11:00:00Z\n";

fuzz_target!(|data: &[u8]| {
    let mut state = data.to_vec();
    if state.len() >= 12 {
        let body = state.len() - 8;
        let checksum = xxhash_rust::xxh3::xxh3_64(&state[..body]);
        state[body..].copy_from_slice(&checksum.to_le_bytes());
    }
    if let Ok(mut log) = EventLog::load_state(&state, Options::default()) {
        let _ = log.report();
        let events = "user_id,video_id,event_type,timestamp,position,duration\n\
                      S1,V1,play,2025-03-01T10:00:00Z,0,100\nS1,V1,pause,2025-03-01T10:00:50Z,50,100\n";
        let _ = log.add("more.csv", bytes::Bytes::from(events), None);
        let _ = log.report();
        let _ = log.save_state();
    }
    let Ok(mut analysis) = Analysis::load_state(&state, Options::default()) else {
        return;
    };
    let _ = analysis.report();
    // A part's kept rows answer views (`save_part`): their ids and indices were checked.
    if let Ok(view) = analysis.view(&Filter {
        courses: vec!["C1".into()],
        ..Filter::default()
    }) {
        let _ = view.report();
    }
    let _ = analysis.add_csv("more.csv", MORE.as_bytes());
    let _ = analysis.report();
    let _ = analysis.save_state();
});
