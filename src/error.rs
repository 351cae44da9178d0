//! The crate's one error type.
//!
//! Every refusal names *where* the problem is: the file, the feature (its
//! zero-based index in the `features` array and its `id` when it has one) and
//! the property, then *what* is wrong. The [`std::fmt::Display`] form reads
//! like `sites.geojson: feature 12 (id "BTS-12"): property "technologies":
//! unknown technology "6G" (expected 2G, 3G, 4G or 5G)`.

use std::fmt;
use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Identifies one feature of a GeoJSON file in an error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureRef {
    /// Zero-based position of the feature in the file's `features` array.
    pub index: usize,
    /// The feature's `id` property as written, when it has a usable one.
    pub id: Option<String>,
}

impl fmt::Display for FeatureRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "feature {} (id {:?})", self.index, id),
            None => write!(f, "feature {}", self.index),
        }
    }
}

/// Where an [`Error::Invalid`] was found: file, then optionally feature and
/// property. Displayed as `file: feature 3 (id "x"): property "range_m"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The offending file (as given, usually inside the scenario directory).
    pub file: PathBuf,
    /// The offending feature, when the problem belongs to one.
    pub feature: Option<FeatureRef>,
    /// The offending property (or `geometry`, or a TOML key), when known.
    pub property: Option<String>,
}

impl Location {
    /// A location naming only a file.
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Location {
            file: file.into(),
            feature: None,
            property: None,
        }
    }

    /// This location narrowed to one feature.
    pub fn feature(mut self, index: usize, id: Option<String>) -> Self {
        self.feature = Some(FeatureRef { index, id });
        self
    }

    /// This location narrowed to one property.
    pub fn property(mut self, property: impl Into<String>) -> Self {
        self.property = Some(property.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.file.display().to_string());
        write!(f, "{name}")?;
        if let Some(feature) = &self.feature {
            write!(f, ": {feature}")?;
        }
        if let Some(property) = &self.property {
            write!(f, ": property {property:?}")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in telecov.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A file the contract requires is missing.
    #[error("{}: required file is missing", path.display())]
    MissingFile {
        /// The path that was expected.
        path: PathBuf,
    },

    /// A file is not syntactically valid JSON or TOML.
    #[error("{}: line {line}, column {column}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// One-based line of the error.
        line: usize,
        /// One-based column of the error.
        column: usize,
        /// What the parser said.
        message: String,
    },

    /// The input parses but breaks the scenario contract.
    #[error("{location}: {reason}")]
    Invalid {
        /// File, feature and property of the problem.
        location: Location,
        /// What is wrong, in words.
        reason: String,
    },

    /// A request is too large to run (for example a demand grid with more
    /// points than the configured limit); refused before memory is taken.
    #[error("{0}")]
    TooLarge(String),

    /// An internal invariant failed (for example conservation of people);
    /// no report is produced. This is a bug: please report it with the
    /// scenario.
    #[error("internal error: {0}")]
    Internal(String),

    /// A parameter given through the API is out of its domain.
    #[error("invalid parameter {name:?}: {reason}")]
    Parameter {
        /// The parameter's name, with its unit suffix.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl Error {
    /// Shorthand for an [`Error::Invalid`].
    pub fn invalid(location: Location, reason: impl Into<String>) -> Self {
        Error::Invalid {
            location,
            reason: reason.into(),
        }
    }

    /// Shorthand for an [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_error_names_file_feature_and_property() {
        let e = Error::invalid(
            Location::file("/x/sites.geojson")
                .feature(12, Some("BTS-12".into()))
                .property("technologies"),
            "unknown technology \"6G\"",
        );
        assert_eq!(
            e.to_string(),
            "sites.geojson: feature 12 (id \"BTS-12\"): property \"technologies\": unknown technology \"6G\""
        );
    }
}
