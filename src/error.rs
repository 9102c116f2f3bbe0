//! The one error type of the crate, with stable codes.
//!
//! Every face maps this type in one place: the npm package to an `EntitlementsError`
//! (a JS `Error` with `code` and `path`), the Worker to `{ "error": { code, message, details } }`.
//! A denial is never an error: it is a [`crate::Decision`] with `has_access == false`.

use std::fmt;

use serde::Serialize;

/// A stable, machine-readable error code. The string forms never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The catalog does not parse or breaks a rule of SEMANTICS section 1.
    InvalidCatalog,
    /// The customer state does not parse or does not fit the catalog (section 2).
    InvalidCustomer,
    /// The bytes are not a snapshot: foreign, truncated or corrupt.
    InvalidSnapshot,
    /// A snapshot written by a newer (or unknown) format version.
    UnsupportedSnapshotVersion,
    /// An argument of a call is invalid (a bad `now`, a bad snapshot option...).
    InvalidArgument,
    /// A usage report or consume breaks a rule of SEMANTICS section 6 (an unknown or
    /// unmetered feature, a value out of bounds, a timestamp too far ahead...).
    InvalidUsage,
    /// An idempotency key remembered from the last 24 hours came back with another
    /// payload (SEMANTICS section 6).
    IdempotencyConflict,
}

impl ErrorCode {
    /// The stable string form, e.g. `invalid_catalog`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidCatalog => "invalid_catalog",
            ErrorCode::InvalidCustomer => "invalid_customer",
            ErrorCode::InvalidSnapshot => "invalid_snapshot",
            ErrorCode::UnsupportedSnapshotVersion => "unsupported_snapshot_version",
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::InvalidUsage => "invalid_usage",
            ErrorCode::IdempotencyConflict => "idempotency_conflict",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing wrong with an input: where (a JSON path such as `plans[1].parentPlanId`)
/// and what, in words that name the entity: ``plan `pro`: parentPlanId `gold` is not a plan``.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Path of the offending field from the root of the input, empty when it is the whole input.
    pub path: String,
    /// Lowercase message without a final period; user input in backticks.
    pub message: String,
}

/// An error with a stable [`ErrorCode`] and every [`Violation`] found (at least one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Error {
    /// The stable code.
    pub code: ErrorCode,
    /// Every violation found, in input order; never empty.
    pub violations: Vec<Violation>,
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with a single violation.
    pub fn new(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Error {
        Error {
            code,
            violations: vec![Violation {
                path: path.into(),
                message: message.into(),
            }],
        }
    }

    /// The path of the first violation, if it has one.
    pub fn path(&self) -> Option<&str> {
        self.violations
            .first()
            .map(|v| v.path.as_str())
            .filter(|p| !p.is_empty())
    }

    /// The first violation's message followed by how many more there are.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.violations.first() {
            None => f.write_str(self.code.as_str()),
            Some(first) => {
                f.write_str(&first.message)?;
                let more = self.violations.len() - 1;
                match more {
                    0 => Ok(()),
                    1 => f.write_str(" (and 1 more error)"),
                    n => write!(f, " (and {n} more errors)"),
                }
            }
        }
    }
}

impl std::error::Error for Error {}

/// Where in the input: `list[index]`, optionally followed by `.inner[j]`. Formatted only
/// when a violation is recorded, so that validating valid input allocates no paths.
#[derive(Clone, Copy, Debug)]
pub(crate) struct At {
    pub list: &'static str,
    pub index: usize,
    pub inner: Option<(&'static str, usize)>,
}

impl At {
    pub(crate) fn new(list: &'static str, index: usize) -> At {
        At {
            list,
            index,
            inner: None,
        }
    }

    pub(crate) fn inner(self, list: &'static str, index: usize) -> At {
        At {
            inner: Some((list, index)),
            ..self
        }
    }
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.list, self.index)?;
        match self.inner {
            Some((list, j)) => write!(f, ".{list}[{j}]"),
            None => Ok(()),
        }
    }
}

/// Names an entity in messages: ``plan `pro` ``, formatted only when needed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Named<'a> {
    pub kind: &'static str,
    pub id: &'a str,
}

impl fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.kind, self.id)
    }
}

/// Collects violations while validating, so that every one is reported, not just the first.
#[derive(Debug)]
pub(crate) struct Violations {
    code: ErrorCode,
    found: Vec<Violation>,
}

impl Violations {
    pub(crate) fn new(code: ErrorCode) -> Violations {
        Violations {
            code,
            found: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.found.push(Violation {
            path: path.into(),
            message: message.into(),
        });
    }

    pub(crate) fn len(&self) -> usize {
        self.found.len()
    }

    /// `Ok(value)` when nothing was found, else the error with everything found.
    pub(crate) fn finish<T>(self, value: T) -> Result<T> {
        if self.found.is_empty() {
            Ok(value)
        } else {
            Err(Error {
                code: self.code,
                violations: self.found,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_counts_the_rest() {
        let mut v = Violations::new(ErrorCode::InvalidCatalog);
        v.push("plans[0].id", "plan id is empty");
        v.push("plans[1].id", "plan id `a` repeats");
        let err = v.finish(()).unwrap_err();
        assert_eq!(err.to_string(), "plan id is empty (and 1 more error)");
        assert_eq!(err.path(), Some("plans[0].id"));
        assert_eq!(err.code.as_str(), "invalid_catalog");
    }
}
