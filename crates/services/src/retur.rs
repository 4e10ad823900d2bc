//! The OIO `StandardRetur` (a status code and an optional text) that the OIO-style services answer with; each
//! service has its own enumeration of codes.

/// A status enumeration with a success value.
pub trait OkStatus: Copy {
    const OK: Self;
}

/// A `StandardRetur`: status and optional text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retur<S> {
    pub status: S,
    pub text: Option<String>,
}

impl<S: OkStatus> Retur<S> {
    pub fn ok() -> Self {
        Self {
            status: S::OK,
            text: None,
        }
    }

    pub fn with(status: S, text: impl Into<String>) -> Self {
        Self {
            status,
            text: Some(text.into()),
        }
    }
}
