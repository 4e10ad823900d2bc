//! The error-handling table's vocabulary (§8.2 of KMD's machine-hours service description;
//! docs/src/interfaces/maskintimer.md#the-error-handling-table): what kind of error, and where its handling stands.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The three validation error types of KMD's machine-hours service description, plus transmission errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    /// "Ikke valide data": a field's format or length is wrong, or a required field is empty.
    InvalidData,
    /// "Ikke opfyldte feltafhængigheder": each value exists, but not in that combination.
    FieldDependency,
    /// "Fejl i stamdata": a value is unknown in the master data.
    MasterData,
    /// "Fejl i filforsendelsen": the message could not be processed as sent.
    Transmission,
}

impl ErrorType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidData => "invalid_data",
            Self::FieldDependency => "field_dependency",
            Self::MasterData => "master_data",
            Self::Transmission => "transmission",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::InvalidData,
            Self::FieldDependency,
            Self::MasterData,
            Self::Transmission,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an error's handling stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorStatus {
    /// Waiting for correction.
    Open,
    /// Corrected and resubmitted by an operator, and accepted.
    Resubmitted,
    /// Dropped by an operator.
    Discarded,
    /// Marked as handled outside snitflade by an operator.
    Resolved,
}

impl ErrorStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Resubmitted => "resubmitted",
            Self::Discarded => "discarded",
            Self::Resolved => "resolved",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Resubmitted, Self::Discarded, Self::Resolved]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

impl fmt::Display for ErrorStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
