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

/// One row group to read: `file` is the index [`ReadPlan::begin_file`] gave (for a share, the
/// file's index in the list given to [`ReadPlan::for_share`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// Which file.
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
    /// Per file begun: the caller's index for it, its row groups to read, and all it has.
    files: Vec<usize>,
    row_groups: Vec<Range<usize>>,
    all_row_groups: Vec<usize>,
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
            files: Vec::new(),
            row_groups: Vec::new(),
            all_row_groups: Vec::new(),
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
            .map(|groups| groups.len() as u64)
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
        let index = self.files.last().map_or(0, |last| last + 1);
        self.push(source, index, 0..file.num_row_groups(), file);
        Ok(index)
    }

    fn push<R: ChunkReader + Clone + 'static>(
        &mut self,
        source: Source,
        index: usize,
        row_groups: Range<usize>,
        file: &ParquetFile<R>,
    ) {
        self.sources.push(source);
        self.files.push(index);
        self.row_groups.push(row_groups);
        self.all_row_groups.push(file.num_row_groups());
        self.names.push(file.name.clone());
    }

    /// A one-pass plan for share `share` of `files` (see [`shares`]): only the files the share
    /// touches are begun, each reads only its row groups in the share, and the rows before them
    /// keep their numbers ([`Source::skip_rows`]). Analyses of every share, merged in order
    /// ([`Analysis::merge`]), equal one analysis of all the files.
    pub fn for_share<R: ChunkReader + Clone + 'static>(
        analysis: &mut Analysis,
        files: &[ParquetFile<R>],
        share: &Share,
    ) -> Result<ReadPlan> {
        let mut plan = ReadPlan::new(1);
        for (index, file) in files.iter().enumerate() {
            let groups = share.row_groups(index, file.num_row_groups());
            if groups.is_empty() && !(file.num_row_groups() == 0 && share.holds_file(index)) {
                continue;
            }
            let rows_in = |range: Range<usize>| -> u64 {
                range.map(|group| file.row_group_rows(group)).sum()
            };
            let mut source = file.begin_expecting(analysis, rows_in(groups.clone()))?;
            source.skip_rows(rows_in(0..groups.start));
            plan.push(source, index, groups, file);
        }
        Ok(plan)
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
            let groups = &self.row_groups[file];
            if row_group >= groups.len() {
                self.cursor = Step {
                    file: file + 1,
                    row_group: 0,
                    pass,
                };
                continue;
            }
            self.cursor.row_group += 1;
            return Ok(Some(Step {
                file: self.files[file],
                row_group: groups.start + row_group,
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
        match self.position(step.file).map(|index| &self.sources[index]) {
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
        let Some(index) = self.position(step.file) else {
            return Err(Error::Option(format!(
                "the read plan has no file {} to read",
                step.file
            )));
        };
        match file.read_row_group(analysis, &mut self.sources[index], step.row_group) {
            Ok(()) => Ok(()),
            Err(error) => {
                let place = format!(
                    "row group {} of {}",
                    step.row_group + 1,
                    self.all_row_groups[index]
                );
                Err(self.abandon(analysis, index, &place, error))
            }
        }
    }

    /// Where the caller's file `file` sits among the files begun.
    fn position(&self, file: usize) -> Option<usize> {
        self.files.binary_search(&file).ok()
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

/// A contiguous run of the row groups of a list of files laid end to end, from `start` up to
/// `end` (each a (file, row group) position; `end` is exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    /// First (file, row group) of the share.
    pub start: (usize, usize),
    /// First (file, row group) after it.
    pub end: (usize, usize),
}

impl Share {
    /// The row groups of file `file` (of `row_groups`) in this share.
    fn row_groups(&self, file: usize, row_groups: usize) -> Range<usize> {
        let from = match file.cmp(&self.start.0) {
            std::cmp::Ordering::Less => return 0..0,
            std::cmp::Ordering::Equal => self.start.1,
            std::cmp::Ordering::Greater => 0,
        };
        let to = match file.cmp(&self.end.0) {
            std::cmp::Ordering::Less => row_groups,
            std::cmp::Ordering::Equal => self.end.1.min(row_groups),
            std::cmp::Ordering::Greater => return 0..0,
        };
        from.min(to)..to
    }

    /// Whether a file without row groups belongs to this share: it falls between its ends.
    fn holds_file(&self, file: usize) -> bool {
        (self.start.0, self.start.1) <= (file, 0) && (file, 0) < (self.end.0, self.end.1)
    }
}

/// Whether `files` can be read in shares ([`shares`]) by readers apart and merged: not when two
/// inputs have the same content (the later copy is refused as already loaded, which only one
/// reader can decide), nor when the dataset is read in several key passes (a pass's keys are
/// dropped before the next, so shares of it cannot be merged).
pub fn can_read_in_shares<R: ChunkReader + Clone + 'static>(
    analysis: &Analysis,
    files: &[ParquetFile<R>],
) -> bool {
    let mut prints: Vec<u128> = files.iter().map(|file| file.fingerprint().0).collect();
    prints.sort_unstable();
    prints.dedup();
    let rows = files.iter().map(ParquetFile::num_rows).sum();
    prints.len() == files.len() && analysis.key_passes(rows) <= 1
}

/// Cuts `files` into at most `count` shares of about the same number of rows, at row-group
/// boundaries, in order: every row group is in exactly one share. A file whose completion
/// scale is not known from `analysis`'s options or its column name is never cut, since the
/// scale is inferred from a file's first values.
pub fn shares<R: ChunkReader + Clone + 'static>(
    analysis: &Analysis,
    files: &[ParquetFile<R>],
    count: usize,
) -> Vec<Share> {
    let groups: Vec<(usize, usize, u64, bool)> = files
        .iter()
        .enumerate()
        .flat_map(|(file_index, file)| {
            let cuttable = analysis.scale_known_for(file.schema(), &file.name);
            (0..file.num_row_groups()).map(move |group| {
                (
                    file_index,
                    group,
                    file.row_group_rows(group),
                    cuttable || group == 0,
                )
            })
        })
        .collect();
    let total: u64 = groups.iter().map(|group| group.2).sum();
    let count = count.clamp(1, groups.len().max(1));
    let end_of_all = (files.len(), 0);
    let mut shares = Vec::new();
    let mut start = (0, 0);
    let mut rows = 0u64;
    for (file, group, group_rows, cuttable) in groups {
        let wanted = total * (shares.len() as u64 + 1) / count as u64;
        if cuttable && rows >= wanted && shares.len() + 1 < count && (file, group) != start {
            shares.push(Share {
                start,
                end: (file, group),
            });
            start = (file, group);
        }
        rows += group_rows;
    }
    shares.push(Share {
        start,
        end: end_of_all,
    });
    shares
}
