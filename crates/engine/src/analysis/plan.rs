//! The read plan: the one loop over Parquet row groups that every reader drives (the CLI and
//! `Analysis::add_parquet_files`, the web worker, the JS package's range reader, the fuzz
//! target), so key passes, pruning and the begin/finish/abandon bookkeeping live in one place.
//!
//! A caller begins its files, then asks for steps: each names a row group of a file in a key
//! pass. Before reading a step it may fetch [`ReadPlan::ranges`] (empty when pruning skips the
//! row group); [`ReadPlan::read`] then decodes and aggregates it. A failed read abandons every
//! file of the plan and ends it: a file none of whose rows was counted leaves no trace, counters
//! included.

use std::ops::Range;

use parquet::file::reader::ChunkReader;

use crate::analysis::{Analysis, Source};
use crate::error::{Error, Result};
use crate::input::parquet::ParquetFile;

/// One row group to read: `file` is the index [`ReadPlan::begin_file`] gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// Which file (in the order they were begun).
    pub file: usize,
    /// Which of its row groups.
    pub row_group: usize,
    /// Which key pass (see [`Analysis::key_passes`]).
    pub pass: u32,
}

/// The reading of a set of Parquet files into one analysis (see the module docs).
#[derive(Debug)]
pub struct ReadPlan {
    /// The files begun, in step order; emptied when the plan ends in a failure.
    sources: Vec<Source>,
    row_groups: Vec<usize>,
    names: Vec<String>,
    passes: u32,
    /// The next step to hand out, and whether its pass has begun.
    cursor: Step,
    pass_begun: bool,
    ended: bool,
}

impl ReadPlan {
    /// A plan read in `passes` key passes (at least one).
    pub fn new(passes: u32) -> ReadPlan {
        ReadPlan {
            sources: Vec::new(),
            row_groups: Vec::new(),
            names: Vec::new(),
            passes: passes.max(1),
            cursor: Step {
                file: 0,
                row_group: 0,
                pass: 0,
            },
            pass_begun: false,
            ended: false,
        }
    }

    /// A plan for files of `rows` rows in all, in as many key passes as the analysis needs.
    pub fn for_rows(analysis: &Analysis, rows: u64) -> ReadPlan {
        ReadPlan::new(analysis.key_passes(rows))
    }

    /// Key passes this plan reads.
    pub fn passes(&self) -> u32 {
        self.passes
    }

    /// Row group reads in all (every pass), for progress.
    pub fn total_steps(&self) -> u64 {
        self.row_groups
            .iter()
            .map(|groups| *groups as u64)
            .sum::<u64>()
            * u64::from(self.passes)
    }

    /// Begins a file (resolves its mapping, counts it for pruning) and returns its index in the
    /// plan's steps. An error leaves the plan usable without the file.
    pub fn begin_file<R: ChunkReader + Clone + 'static>(
        &mut self,
        analysis: &mut Analysis,
        file: &ParquetFile<R>,
    ) -> Result<usize> {
        let source = file.begin(analysis)?;
        self.sources.push(source);
        self.row_groups.push(file.num_row_groups());
        self.names.push(file.name.clone());
        Ok(self.sources.len() - 1)
    }

    /// The next row group to read, or `None` when every pass has read every file. Starts each
    /// key pass as it comes.
    pub fn next_step(&mut self, analysis: &mut Analysis) -> Result<Option<Step>> {
        if self.ended {
            return Ok(None);
        }
        loop {
            if self.cursor.pass >= self.passes {
                self.ended = true;
                return Ok(None);
            }
            if !self.pass_begun {
                analysis.begin_key_pass(self.cursor.pass, self.passes, &mut self.sources)?;
                self.pass_begun = true;
            }
            let Step {
                file,
                row_group,
                pass,
            } = self.cursor;
            if file >= self.sources.len() {
                self.cursor = Step {
                    file: 0,
                    row_group: 0,
                    pass: pass + 1,
                };
                self.pass_begun = false;
                continue;
            }
            if row_group >= self.row_groups[file] {
                self.cursor = Step {
                    file: file + 1,
                    row_group: 0,
                    pass,
                };
                continue;
            }
            self.cursor.row_group += 1;
            return Ok(Some(Step {
                file,
                row_group,
                pass,
            }));
        }
    }

    /// The byte ranges `step` reads from its file: the projected column chunks of its row
    /// group, adjacent ones merged; empty when the file or the row group is pruned (or the file
    /// was loaded before), so nothing needs fetching.
    pub fn ranges<R: ChunkReader + Clone + 'static>(
        &self,
        analysis: &Analysis,
        file: &ParquetFile<R>,
        step: Step,
    ) -> Vec<Range<u64>> {
        match self.sources.get(step.file) {
            Some(source)
                if !source.already_loaded
                    && !file.row_group_skipped(analysis, source, step.row_group) =>
            {
                file.column_chunk_ranges(step.row_group, source.projection())
            }
            _ => Vec::new(),
        }
    }

    /// Reads `step`'s row group of `file` (the file begun under `step.file`). On failure every
    /// file of the plan is abandoned (see [`Analysis::abandon_source`]), the plan ends, and the
    /// error is returned naming the row group.
    pub fn read<R: ChunkReader + Clone + 'static>(
        &mut self,
        analysis: &mut Analysis,
        file: &ParquetFile<R>,
        step: Step,
    ) -> Result<()> {
        let Some(source) = self.sources.get_mut(step.file) else {
            return Err(Error::Option(format!(
                "the read plan has no file {} to read",
                step.file
            )));
        };
        match file.read_row_group(analysis, source, step.row_group) {
            Ok(()) => Ok(()),
            Err(error) => {
                let place = format!(
                    "row group {} of {}",
                    step.row_group + 1,
                    self.row_groups[step.file]
                );
                Err(self.abandon(analysis, step.file, &place, error))
            }
        }
    }

    /// Abandons every file of the plan after `error` at `place` in file `failed`, and ends it.
    fn abandon(
        &mut self,
        analysis: &mut Analysis,
        failed: usize,
        place: &str,
        error: Error,
    ) -> Error {
        self.ended = true;
        let mut sources = std::mem::take(&mut self.sources);
        let others_place = format!("the failure of {}", self.names[failed]);
        let mut error = analysis.abandon_source(sources.remove(failed), place, error);
        for source in sources {
            error = analysis.abandon_source(source, &others_place, error);
        }
        error
    }

    /// Finishes every file: the plan must have handed out its last step.
    pub fn finish(self, analysis: &mut Analysis) -> Result<()> {
        if !self.ended {
            return Err(Error::Option(
                "the read plan was finished before its last step".into(),
            ));
        }
        for source in self.sources {
            analysis.finish_source(source)?;
        }
        Ok(())
    }
}
