use std::fmt;

use serde::{Deserialize, Serialize};

/// A feature's `id`: a string or an integer, kept as written.
///
/// The contract makes an integer and the same digits as a string the *same*
/// id, so [`FeatureId::key`] folds both to one string for duplicate checks,
/// while serialisation writes the id back in its original JSON type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FeatureId {
    /// An integer id, e.g. `17`.
    Int(i64),
    /// A string id, e.g. `"31117"`.
    Str(String),
}

impl FeatureId {
    /// The key used for uniqueness: the decimal digits of an integer id, or
    /// the string itself.
    ///
    /// ```
    /// use telecov::model::FeatureId;
    /// assert_eq!(FeatureId::Int(42).key(), FeatureId::Str("42".into()).key());
    /// ```
    pub fn key(&self) -> String {
        match self {
            FeatureId::Int(i) => i.to_string(),
            FeatureId::Str(s) => s.clone(),
        }
    }
}

impl fmt::Display for FeatureId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeatureId::Int(i) => write!(f, "{i}"),
            FeatureId::Str(s) => f.write_str(s),
        }
    }
}

impl From<&str> for FeatureId {
    fn from(s: &str) -> Self {
        FeatureId::Str(s.to_owned())
    }
}

impl From<i64> for FeatureId {
    fn from(i: i64) -> Self {
        FeatureId::Int(i)
    }
}

impl From<String> for FeatureId {
    fn from(s: String) -> Self {
        FeatureId::Str(s)
    }
}
