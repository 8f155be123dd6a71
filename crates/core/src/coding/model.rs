//! The coding workspace's objects: the codebook ([`Code`]), coded text
//! ([`Segment`] with its [`Coding`]s), [`Memo`]s and the framework matrix's
//! [`MatrixCell`]s. Each is stored as one record.
//!
//! The shapes follow REFI-QDA (the exchange format of qualitative analysis
//! programs), so that a project can be exported to and read from other programs:
//! a segment is a plain-text selection (start and end in Unicode code points) on
//! one text source, carrying one or more codings, each with its code, its coder
//! (a user name) and when it was made; codes have stable UUIDs, a parent, a
//! colour (`#rrggbb`) and a description; memos (REFI-QDA notes) refer to objects.
//!
//! The rules that work on them live in `coding.rs` (editing, undo, re-anchoring
//! after text changes, checks), `retrieval.rs` (retrieval, counts, highlights, the
//! matrix) and `coding_export.rs` (CSV, JSON and the matrix workbook).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::coding::sources::SourceRef;

/// A code of the codebook. Codes form a tree: a code without a parent is a
/// **theme**; codes under it are codes, and codes under those sub-codes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Code {
    pub id: Uuid,
    pub study_id: Uuid,
    pub created: Timestamp,
    pub modified: Timestamp,
    /// None for a theme (a top-level code).
    #[serde(default)]
    pub parent: Option<Uuid>,
    /// Unique among the code's siblings (ignoring case).
    pub name: String,
    /// `#rrggbb`, lower case.
    pub colour: String,
    /// What the code means (REFI-QDA's description).
    #[serde(default)]
    pub definition: String,
    /// When to apply it.
    #[serde(default)]
    pub inclusion: String,
    /// When not to apply it.
    #[serde(default)]
    pub exclusion: String,
    /// A typical passage.
    #[serde(default)]
    pub example: String,
    /// Place among its siblings, set when the analyst reorders them: siblings go by
    /// this, then as created. 0 (never reordered) is not stored.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub order: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A stretch of one source's text with the codes applied to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub id: Uuid,
    pub study_id: Uuid,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub source: SourceRef,
    /// Code-point offsets into the source's text: `start..end`, `start < end`.
    pub start: usize,
    pub end: usize,
    /// The words as they were coded. While the segment is [`Anchor::Placed`] they are
    /// exactly the source's text at `start..end`; otherwise they are what the analyst
    /// coded before the source changed, kept so nothing is lost.
    pub text: String,
    /// At least one; at most one per code.
    pub codings: Vec<Coding>,
    #[serde(default)]
    pub anchor: Anchor,
}

impl Segment {
    pub fn has_code(&self, code: Uuid) -> bool {
        self.codings.iter().any(|c| c.code == code)
    }
}

/// One code applied to a segment, by whom and when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Coding {
    pub code: Uuid,
    /// The user name of the analyst who applied it.
    #[serde(default)]
    pub coder: String,
    pub created: Timestamp,
}

/// Whether a segment still sits on the words it was coded on, after its source's
/// text was edited (an amendment, a corrected transcript).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// On exactly the words coded.
    #[default]
    Placed,
    /// Its bounds were carried over, but words inside it were changed: check it
    /// (the words as coded are kept in [`Segment::text`]).
    NeedsReview,
    /// The words coded were removed from the source (or the source itself was): it
    /// cannot be placed. `start..end` is where they were, possibly empty.
    Lost,
}

impl Anchor {
    pub fn key(self) -> &'static str {
        match self {
            Anchor::Placed => "placed",
            Anchor::NeedsReview => "needs_review",
            Anchor::Lost => "lost",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Anchor::Placed => "In place",
            Anchor::NeedsReview => "Text changed: check",
            Anchor::Lost => "Text removed: cannot be placed",
        }
    }
}

/// What a memo is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum MemoTarget {
    Segment(Uuid),
    Code(Uuid),
    Source(SourceRef),
    /// The study's analytic journal.
    Journal,
}

/// An analytic memo (a REFI-QDA note), dated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Memo {
    pub id: Uuid,
    pub study_id: Uuid,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub target: MemoTarget,
    #[serde(default)]
    pub author: String,
    pub text: String,
}

/// A row of the framework matrix: a case, or a participant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum MatrixRow {
    Case(Uuid),
    Participant(Uuid),
}

/// A column of the framework matrix: a theme (a top-level code) or a research question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum MatrixColumn {
    Theme(Uuid),
    Question(Uuid),
}

/// The analyst's synopsis for one row × column of the framework matrix, with the
/// segments that support it. Cells that were never written are not stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatrixCell {
    pub id: Uuid,
    pub study_id: Uuid,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub row: MatrixRow,
    pub column: MatrixColumn,
    #[serde(default)]
    pub synopsis: String,
    /// Supporting segments, in the order linked. Links to segments that were deleted
    /// since are ignored, and dropped on the cell's next edit.
    #[serde(default)]
    pub segments: Vec<Uuid>,
}
