//! The engine's one error type: input it cannot read. Quality findings are never errors.

use std::fmt;

/// Everything that can stop the engine from reading an input.
///
/// Data-quality problems (NULL ids, out-of-range completion, ...) are *not* errors: they are
/// reported as [`crate::QualityRule`] findings in the [`crate::Report`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Parquet decoder rejected the file (corrupt pages, bad footer, unsupported encoding).
    #[error("{source_name}: cannot read the Parquet {part}: {error}")]
    Parquet {
        /// Name of the input (file name or URL) as the caller gave it.
        source_name: String,
        /// Where in the file: "footer (file metadata)", "row group 2 of 5", ...
        part: String,
        /// The decoder's own error.
        error: parquet::errors::ParquetError,
    },
    /// Arrow rejected a column conversion or the CSV reader failed to parse a record.
    #[error("{source_name}: {error}")]
    Arrow {
        /// Name of the input.
        source_name: String,
        /// The arrow error.
        error: arrow_schema::ArrowError,
    },
    /// The bytes are not in the format the caller asked for (wrong magic, empty file, ...).
    #[error("{source_name}: {message}")]
    Format {
        /// Name of the input.
        source_name: String,
        /// What was expected and what was found.
        message: String,
    },
    /// A dependency's decoder (parquet, arrow-csv) panicked on malformed bytes instead of
    /// returning an error. The engine catches the panic at its boundary and reports it here, in
    /// builds whose panics unwind (native: the CLI, tests); a `panic = "abort"` build (wasm32)
    /// cannot catch it. Nothing of the failed batch was aggregated.
    #[error("{source_name}: the {format} decoder failed on malformed data: {message}")]
    Decoder {
        /// Name of the input.
        source_name: String,
        /// `Parquet` or `CSV`.
        format: &'static str,
        /// The panic's message and where in the dependency it was raised.
        message: String,
    },
    /// A required column could not be found, or an explicit mapping named a missing column.
    #[error("{source_name}: {message}")]
    Mapping {
        /// Name of the input.
        source_name: String,
        /// What was looked for and which columns the file has.
        message: String,
    },
    /// An option had an invalid value (unknown field name in a mapping override, N = 0, ...).
    #[error("invalid option: {0}")]
    Option(String),
    /// A saved analysis state cannot be restored or extended: it is corrupt, from another
    /// engine version, saved with options that change what it means, or the dataset's
    /// partition keys changed.
    #[error("analysis state: {0}")]
    State(String),
    /// The file uses a compression codec this build leaves out (the web app's lean worker has
    /// no Brotli; the CLI has every codec).
    #[error(
        "{source_name}: compressed with {codec}, which this build of CoursePulse cannot decode (it was built without that codec)"
    )]
    UnsupportedCodec {
        /// Name of the input.
        source_name: String,
        /// The codec, as Parquet names it (e.g. `BROTLI`).
        codec: String,
    },
    /// The caller asked the analysis to stop (the UI's Cancel button).
    #[error("cancelled")]
    Cancelled,
    /// A manifest (the list of a dataset's files) cannot be used: not of the expected shape, no
    /// entries or too many, or an entry that is not a path. The message does not name the
    /// manifest; the caller puts its path or URL in front.
    #[error("{0}")]
    Manifest(String),
}

/// The engine's result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn parquet(
        source_name: &str,
        part: impl fmt::Display,
        error: parquet::errors::ParquetError,
    ) -> Self {
        Error::Parquet {
            source_name: source_name.to_owned(),
            part: part.to_string(),
            error,
        }
    }

    pub(crate) fn arrow(source_name: &str, error: arrow_schema::ArrowError) -> Self {
        Error::Arrow {
            source_name: source_name.to_owned(),
            error,
        }
    }

    pub(crate) fn format(source_name: &str, message: impl fmt::Display) -> Self {
        Error::Format {
            source_name: source_name.to_owned(),
            message: message.to_string(),
        }
    }

    pub(crate) fn decoder(source_name: &str, format: &'static str, message: String) -> Self {
        Error::Decoder {
            source_name: source_name.to_owned(),
            format,
            message,
        }
    }

    pub(crate) fn mapping(source_name: &str, message: impl fmt::Display) -> Self {
        Error::Mapping {
            source_name: source_name.to_owned(),
            message: message.to_string(),
        }
    }
}
