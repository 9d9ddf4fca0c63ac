//! Reading Parquet inputs on every core: the row groups are cut into one share per thread
//! (`coursepulse_engine::shares`), each thread reads its share into its own analysis, and the
//! analyses are merged in order (`Analysis::merge`), which gives the one-thread report exactly.

use coursepulse_engine::{Analysis, ParquetFile, ReadPlan, shares};

use crate::file_reader::SharedFile;

/// Reads `files` on up to `threads` threads into a new analysis with `template`'s options and
/// partitioning. On an error the caller reads the files again one by one, which says which
/// input failed where (and hides the content of inputs reached through a manifest).
pub fn read(
    template: &Analysis,
    files: &[ParquetFile<SharedFile>],
    threads: usize,
) -> coursepulse_engine::Result<Analysis> {
    let options = template.options().clone();
    let partitioning = template.partitioning().clone();
    let parts: Vec<coursepulse_engine::Result<Analysis>> = std::thread::scope(|scope| {
        let handles: Vec<_> = shares(template, files, threads)
            .into_iter()
            .map(|share| {
                let options = options.clone();
                let partitioning = partitioning.clone();
                scope.spawn(move || {
                    let mut part = Analysis::new(options)?;
                    part.set_partitioning(partitioning)?;
                    let mut plan = ReadPlan::for_share(&mut part, files, &share)?;
                    while let Some(step) = plan.next_step(&mut part)? {
                        plan.read(&mut part, &files[step.file], step)?;
                    }
                    plan.finish(&mut part)?;
                    Ok(part)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut parts = parts.into_iter();
    let mut analysis = match parts.next() {
        Some(first) => first?,
        None => Analysis::new(options)?,
    };
    for part in parts {
        analysis.merge(part?)?;
    }
    for file in files {
        file.reread(&mut analysis)?;
    }
    Ok(analysis)
}
