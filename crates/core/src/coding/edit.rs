//! The coding workspace's rules: the codebook (create, rename, recolour, describe,
//! move, merge, split, delete, copy from another study), coding text, memos, the
//! framework matrix's synopses and links, undo, and keeping segments on their
//! words when a source's text changes.
//!
//! Every change goes through [`StudyData::apply_coding`], which returns what it
//! changed and removed (to store) and an inverse edit (to keep on an undo stack):
//! applying the inverse puts every touched object back as it was and returns the
//! redo. Inverses hold copies of the touched objects only, so they stay small on a
//! study with tens of thousands of segments.
//!
//! Rules worth knowing:
//!
//! - code names are unique among siblings (ignoring case); colours are `#rrggbb`;
//! - **merge** A into B: every segment coded A is coded B instead (a segment that
//!   had both keeps one B coding, the earlier); A's sub-codes move under B; memos on
//!   A move to B; A's matrix cells move to B's column (synopses joined when B
//!   already has one). A cannot be merged into its own sub-code;
//! - **split**: a new sibling code takes the chosen segments' codings of the code;
//! - **delete** removes the code *and its sub-codes*, their codings, the segments
//!   left with no code, memos on those codes and segments, and the codes' matrix
//!   cells. [`StudyData::code_deletion_impact`] says how much, for the confirmation;
//! - **copying a codebook** from another study gives the copies new ids derived
//!   from the originals (the same every time) and skips codes that are already
//!   there, by id or by name in the same place, so copying twice adds nothing.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use crate::clock::Timestamp;
use crate::coding::anchoring::{Placement, reanchor};
use crate::coding::codebook::{check_code_colour, same_name};
use crate::coding::model::*;
use crate::coding::sources::SourceRef;
use crate::offsets::{code_point_len, slice_code_points};
use crate::study::validate::ValidationError;
use crate::study::{ObjectRef, StudyData};

/// Which descriptive text of a code an edit changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeField {
    Definition,
    Inclusion,
    Exclusion,
    Example,
}

/// A change to the codebook, the coding, memos or the matrix; see the module docs.
#[derive(Clone, Debug, PartialEq)]
pub enum CodingEdit {
    /// A new code (parent None: a theme). Its id comes back in [`Applied::created`].
    AddCode {
        parent: Option<Uuid>,
        name: String,
        colour: String,
    },
    RenameCode {
        code: Uuid,
        name: String,
    },
    RecolourCode {
        code: Uuid,
        colour: String,
    },
    CodeText {
        code: Uuid,
        field: CodeField,
        text: String,
    },
    /// Parent None makes the code a theme. It goes last among its new siblings.
    MoveCode {
        code: Uuid,
        parent: Option<Uuid>,
    },
    /// Moves a code `by` places among its siblings (negative: up), as far as it goes.
    ReorderCode {
        code: Uuid,
        by: i32,
    },
    MergeCodes {
        from: Uuid,
        into: Uuid,
    },
    /// A new sibling of `code` takes the codings of `segments`; its id comes back in
    /// [`Applied::created`].
    SplitCode {
        code: Uuid,
        name: String,
        colour: String,
        segments: Vec<Uuid>,
    },
    DeleteCode {
        code: Uuid,
    },
    /// Codes `start..end` (code points) of a source. If a segment of the same coder
    /// with exactly these bounds exists on the source, the codes are added to it;
    /// otherwise a new segment is made (its id in [`Applied::created`]).
    ApplyCodes {
        source: SourceRef,
        start: usize,
        end: usize,
        codes: Vec<Uuid>,
        coder: String,
    },
    /// [`CodingEdit::ApplyCodes`] at many places (source, start, end in code points)
    /// as one change with one undo: coding every hit of a text search. All or nothing:
    /// an invalid place refuses the whole edit with that place's error.
    ApplyCodesMany {
        places: Vec<(SourceRef, usize, usize)>,
        codes: Vec<Uuid>,
        coder: String,
    },
    /// Removes a segment with all its codings and its memos.
    RemoveSegment {
        segment: Uuid,
    },
    /// Removes one code from a segment; a segment left with no code is removed
    /// (with its memos).
    RemoveCoding {
        segment: Uuid,
        code: Uuid,
    },
    /// New bounds on the same source. Also how a segment marked for review or lost is
    /// placed again: it then covers exactly the words at the new bounds.
    AdjustBounds {
        segment: Uuid,
        start: usize,
        end: usize,
    },
    AddMemo {
        target: MemoTarget,
        text: String,
        author: String,
    },
    EditMemo {
        memo: Uuid,
        text: String,
    },
    DeleteMemo {
        memo: Uuid,
    },
    /// The synopsis of a matrix cell (created when first written).
    SetSynopsis {
        row: MatrixRow,
        column: MatrixColumn,
        text: String,
    },
    LinkSegments {
        row: MatrixRow,
        column: MatrixColumn,
        segments: Vec<Uuid>,
    },
    UnlinkSegment {
        row: MatrixRow,
        column: MatrixColumn,
        segment: Uuid,
    },
    /// Puts objects back as they were: what an undo (or redo) applies.
    Restore(Snapshot),
}

/// Copies of objects as they were before a change; `None` means it did not exist.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Snapshot {
    pub codes: Vec<(Uuid, Option<Code>)>,
    pub segments: Vec<(Uuid, Option<Segment>)>,
    pub memos: Vec<(Uuid, Option<Memo>)>,
    pub cells: Vec<(Uuid, Option<MatrixCell>)>,
}

impl Snapshot {
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty() && self.segments.is_empty() && self.memos.is_empty() && self.cells.is_empty()
    }
}

/// The outcome of a coding edit.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    /// Objects created or changed: store these.
    pub changed: Vec<ObjectRef>,
    /// Objects that no longer exist: delete these.
    pub removed: Vec<ObjectRef>,
    /// The new code, segment or memo, for edits that create one.
    pub created: Option<Uuid>,
    /// Applying this puts everything back; applying that gives the redo.
    pub undo: CodingEdit,
}

impl Applied {
    /// Every object touched (changed or removed): for `StudyData::write_ops`.
    pub fn touched(&self) -> Vec<ObjectRef> {
        self.changed.iter().chain(&self.removed).copied().collect()
    }
}

/// Finds code-point positions in one text, moving forward from the last one found
/// (back to the start only when asked for an earlier one), 64 bytes at a time
/// where no position lies within them: many places on a long transcript cost one pass.
struct Seeker<'t> {
    text: &'t str,
    byte: usize,
    /// Characters starting before `byte`.
    starts: usize,
}

impl<'t> Seeker<'t> {
    const CHUNK: usize = 64;

    fn new(text: &'t str) -> Seeker<'t> {
        Seeker { text, byte: 0, starts: 0 }
    }

    /// The byte offset of code point `point`, or None past the end of the text.
    fn seek(&mut self, point: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let is_start = |b: &u8| (*b as i8) >= -0x40;
        if point < self.starts {
            (self.byte, self.starts) = (0, 0);
        }
        // Skipping a chunk is safe while the position is at or after its end.
        while let Some(chunk) = bytes.get(self.byte..self.byte + Self::CHUNK) {
            let n = chunk.iter().filter(|b| is_start(b)).count();
            if self.starts + n > point {
                break;
            }
            self.byte += Self::CHUNK;
            self.starts += n;
        }
        loop {
            match bytes.get(self.byte) {
                None => return (self.starts == point).then_some(self.byte),
                Some(b) if is_start(b) => {
                    if self.starts == point {
                        return Some(self.byte);
                    }
                    self.starts += 1;
                }
                Some(_) => {}
            }
            self.byte += 1;
        }
    }

    /// Code points `start..end` (start before end) of the text, or None past its end.
    fn slice(&mut self, start: usize, end: usize) -> Option<&'t str> {
        let from = self.seek(start)?;
        let to = self.seek(end)?;
        self.text.get(from..to)
    }
}

/// Records the state of objects before they change, once each.
#[derive(Default)]
struct Recorder {
    before: Snapshot,
    seen_codes: HashSet<Uuid>,
    seen_segments: HashSet<Uuid>,
    seen_memos: HashSet<Uuid>,
    seen_cells: HashSet<Uuid>,
}

impl Recorder {
    fn code(&mut self, id: Uuid, was: Option<&Code>) {
        if self.seen_codes.insert(id) {
            self.before.codes.push((id, was.cloned()));
        }
    }
    fn segment(&mut self, id: Uuid, was: Option<&Segment>) {
        if self.seen_segments.insert(id) {
            self.before.segments.push((id, was.cloned()));
        }
    }
    fn memo(&mut self, id: Uuid, was: Option<&Memo>) {
        if self.seen_memos.insert(id) {
            self.before.memos.push((id, was.cloned()));
        }
    }
    fn cell(&mut self, id: Uuid, was: Option<&MatrixCell>) {
        if self.seen_cells.insert(id) {
            self.before.cells.push((id, was.cloned()));
        }
    }
}

/// Sets objects of one kind to the states given (None: removed), returning the
/// states they had. One pass over the list whatever the number of objects.
/// Whether every coding on a segment is `coder`'s.
fn coded_only_by(segment: &Segment, coder: &str) -> bool {
    segment.codings.iter().all(|c| c.coder == coder)
}

fn restore_list<T: Clone>(
    items: &mut Vec<T>,
    id_of: impl Fn(&T) -> Uuid,
    states: Vec<(Uuid, Option<T>)>,
) -> Vec<(Uuid, Option<T>)> {
    if states.is_empty() {
        return Vec::new();
    }
    // A few objects (one coding action) are found by scanning; many (a merge) by an index.
    let index: Option<HashMap<Uuid, usize>> =
        (states.len() > 16).then(|| items.iter().enumerate().map(|(at, x)| (id_of(x), at)).collect());
    let mut previous = Vec::with_capacity(states.len());
    let mut remove = HashSet::new();
    for (id, state) in states {
        let at = match &index {
            Some(index) => index.get(&id).copied(),
            None => items.iter().position(|x| id_of(x) == id),
        };
        previous.push((id, at.and_then(|at| items.get(at)).cloned()));
        match (at, state) {
            (Some(at), Some(x)) => {
                if let Some(slot) = items.get_mut(at) {
                    *slot = x;
                }
            }
            (Some(_), None) => {
                remove.insert(id);
            }
            (None, Some(x)) => items.push(x),
            (None, None) => {}
        }
    }
    if remove.len() > 8 {
        items.retain(|x| !remove.contains(&id_of(x)));
    } else if !remove.is_empty() {
        let few: Vec<Uuid> = remove.into_iter().collect();
        items.retain(|x| !few.contains(&id_of(x)));
    }
    previous
}

impl StudyData {
    /// Applies one coding edit; see [`CodingEdit`] and the module docs. A refused
    /// edit changes nothing.
    pub fn apply_coding(&mut self, edit: CodingEdit, now: Timestamp) -> Result<Applied, ValidationError> {
        let mut rec = Recorder::default();
        let mut created = None;
        match edit {
            CodingEdit::Restore(snapshot) => {
                let redo = self.restore(snapshot);
                return Ok(self.finish(redo, None));
            }
            CodingEdit::AddCode { parent, name, colour } => {
                if let Some(p) = parent {
                    self.code_or_err(p)?;
                }
                let name = self.check_code_name(None, parent, &name)?;
                let colour = check_code_colour(&colour)?;
                let id = Uuid::new_v4();
                rec.code(id, None);
                let order = self.next_sibling_order(parent);
                self.codes.push(Code {
                    id,
                    study_id: self.study.id,
                    created: now,
                    modified: now,
                    parent,
                    name,
                    colour,
                    definition: String::new(),
                    inclusion: String::new(),
                    exclusion: String::new(),
                    example: String::new(),
                    order,
                });
                created = Some(id);
            }
            CodingEdit::RenameCode { code, name } => {
                let parent = self.code_or_err(code)?.parent;
                let name = self.check_code_name(Some(code), parent, &name)?;
                self.change_code(&mut rec, code, now, |c| c.name = name);
            }
            CodingEdit::RecolourCode { code, colour } => {
                self.code_or_err(code)?;
                let colour = check_code_colour(&colour)?;
                self.change_code(&mut rec, code, now, |c| c.colour = colour);
            }
            CodingEdit::CodeText { code, field, text } => {
                self.code_or_err(code)?;
                self.change_code(&mut rec, code, now, |c| match field {
                    CodeField::Definition => c.definition = text,
                    CodeField::Inclusion => c.inclusion = text,
                    CodeField::Exclusion => c.exclusion = text,
                    CodeField::Example => c.example = text,
                });
            }
            CodingEdit::MoveCode { code, parent } => {
                let name = self.code_or_err(code)?.name.clone();
                if let Some(p) = parent {
                    self.code_or_err(p)?;
                    if self.code_and_descendants(code).contains(&p) {
                        return Err(ValidationError::CodeCycle(name));
                    }
                }
                self.check_code_name(Some(code), parent, &name)?;
                let order = self.next_sibling_order(parent);
                self.change_code(&mut rec, code, now, |c| {
                    c.parent = parent;
                    c.order = order;
                });
            }
            CodingEdit::ReorderCode { code, by } => {
                let parent = self.code_or_err(code)?.parent;
                let siblings: Vec<Uuid> = self.child_codes(parent).map(|c| c.id).collect();
                let at = siblings.iter().position(|c| *c == code).unwrap_or(0);
                let to = at.saturating_add_signed(by as isize).min(siblings.len().saturating_sub(1));
                let mut order = siblings;
                let moved = order.remove(at);
                order.insert(to, moved);
                // Every sibling gets its place, so codes made on another device before
                // this (order 0) do not jump ahead.
                for (n, id) in order.into_iter().enumerate() {
                    let place = n as u32 + 1;
                    if self.code(id).is_some_and(|c| c.order != place) {
                        self.change_code(&mut rec, id, now, |c| c.order = place);
                    }
                }
            }
            CodingEdit::MergeCodes { from, into } => self.merge_codes(&mut rec, from, into, now)?,
            CodingEdit::SplitCode { code, name, colour, segments } => {
                created = Some(self.split_code(&mut rec, code, &name, &colour, &segments, now)?);
            }
            CodingEdit::DeleteCode { code } => self.delete_code(&mut rec, code)?,
            CodingEdit::ApplyCodes { source, start, end, codes, coder } => {
                created = self.apply_codes(&mut rec, source, start, end, codes, coder, now)?;
            }
            CodingEdit::ApplyCodesMany { places, codes, coder } => {
                self.apply_codes_many(&mut rec, places, codes, coder, now)?;
            }
            CodingEdit::RemoveSegment { segment } => {
                self.segment(segment).ok_or(ValidationError::UnknownSegment(segment))?;
                self.remove_segments(&mut rec, &HashSet::from([segment]));
            }
            CodingEdit::RemoveCoding { segment, code } => {
                let s = self.segment(segment).ok_or(ValidationError::UnknownSegment(segment))?;
                if !s.has_code(code) {
                    let name = self.code(code).map_or_else(|| code.to_string(), |c| c.name.clone());
                    return Err(ValidationError::SegmentNotCoded(name));
                }
                if s.codings.len() == 1 {
                    self.remove_segments(&mut rec, &HashSet::from([segment]));
                } else {
                    self.change_segment(&mut rec, segment, now, |s| s.codings.retain(|c| c.code != code));
                }
            }
            CodingEdit::AdjustBounds { segment, start, end } => {
                let source = self.segment(segment).ok_or(ValidationError::UnknownSegment(segment))?.source.clone();
                let text = self.selection(&source, start, end)?.to_string();
                self.change_segment(&mut rec, segment, now, |s| {
                    s.start = start;
                    s.end = end;
                    s.text = text;
                    s.anchor = Anchor::Placed;
                });
            }
            CodingEdit::AddMemo { target, text, author } => {
                if text.trim().is_empty() {
                    return Err(ValidationError::EmptyMemo);
                }
                self.check_memo_target(&target)?;
                let id = Uuid::new_v4();
                rec.memo(id, None);
                self.memos.push(Memo {
                    id,
                    study_id: self.study.id,
                    created: now,
                    modified: now,
                    target,
                    author: author.trim().to_string(),
                    text,
                });
                created = Some(id);
            }
            CodingEdit::EditMemo { memo, text } => {
                if text.trim().is_empty() {
                    return Err(ValidationError::EmptyMemo);
                }
                let m = self.memos.iter_mut().find(|m| m.id == memo).ok_or(ValidationError::UnknownMemo(memo))?;
                rec.memo(memo, Some(m));
                m.text = text;
                m.modified = now;
            }
            CodingEdit::DeleteMemo { memo } => {
                let m = self.memo(memo).ok_or(ValidationError::UnknownMemo(memo))?;
                rec.memo(memo, Some(m));
                self.memos.retain(|m| m.id != memo);
            }
            CodingEdit::SetSynopsis { row, column, text } => {
                let at = self.cell_at(&mut rec, row, column, now)?;
                if let Some(cell) = self.matrix_cells.get_mut(at) {
                    cell.synopsis = text;
                }
            }
            CodingEdit::LinkSegments { row, column, segments } => {
                if let Some(missing) = segments.iter().find(|s| self.segment(**s).is_none()) {
                    return Err(ValidationError::UnknownSegment(*missing));
                }
                let at = self.cell_at(&mut rec, row, column, now)?;
                if let Some(cell) = self.matrix_cells.get_mut(at) {
                    for s in segments {
                        if !cell.segments.contains(&s) {
                            cell.segments.push(s);
                        }
                    }
                }
            }
            CodingEdit::UnlinkSegment { row, column, segment } => {
                let at = self.cell_at(&mut rec, row, column, now)?;
                if let Some(cell) = self.matrix_cells.get_mut(at) {
                    cell.segments.retain(|s| *s != segment);
                }
            }
        }
        Ok(self.finish(rec.before, created))
    }

    /// The changed and removed objects of a snapshot of "before" states, as they are now.
    fn finish(&self, before: Snapshot, created: Option<Uuid>) -> Applied {
        let mut changed = Vec::new();
        let mut removed = Vec::new();
        let codes: HashSet<Uuid> = before.codes.iter().map(|x| x.0).collect();
        let segments: HashSet<Uuid> = before.segments.iter().map(|x| x.0).collect();
        let memos: HashSet<Uuid> = before.memos.iter().map(|x| x.0).collect();
        let cells: HashSet<Uuid> = before.cells.iter().map(|x| x.0).collect();
        let mut sort = |present: &mut dyn Iterator<Item = Uuid>, all: &HashSet<Uuid>, make: fn(Uuid) -> ObjectRef| {
            if all.is_empty() {
                return;
            }
            // A coding action touches a few objects: comparing every id with those few
            // is quicker than hashing every id of a large study.
            let few: Vec<Uuid> = if all.len() <= 8 { all.iter().copied().collect() } else { Vec::new() };
            let here: HashSet<Uuid> = if few.is_empty() {
                present.filter(|id| all.contains(id)).collect()
            } else {
                present.filter(|id| few.contains(id)).collect()
            };
            for id in all {
                if here.contains(id) { changed.push(make(*id)) } else { removed.push(make(*id)) }
            }
        };
        sort(&mut self.codes.iter().map(|c| c.id), &codes, ObjectRef::Code);
        sort(&mut self.segments.iter().map(|c| c.id), &segments, ObjectRef::Segment);
        sort(&mut self.memos.iter().map(|c| c.id), &memos, ObjectRef::Memo);
        sort(&mut self.matrix_cells.iter().map(|c| c.id), &cells, ObjectRef::MatrixCell);
        Applied { changed, removed, created, undo: CodingEdit::Restore(before) }
    }

    fn restore(&mut self, s: Snapshot) -> Snapshot {
        Snapshot {
            codes: restore_list(&mut self.codes, |x| x.id, s.codes),
            segments: restore_list(&mut self.segments, |x| x.id, s.segments),
            memos: restore_list(&mut self.memos, |x| x.id, s.memos),
            cells: restore_list(&mut self.matrix_cells, |x| x.id, s.cells),
        }
    }

    fn change_code(&mut self, rec: &mut Recorder, code: Uuid, now: Timestamp, f: impl FnOnce(&mut Code)) {
        if let Some(c) = self.codes.iter_mut().find(|c| c.id == code) {
            rec.code(code, Some(c));
            f(c);
            c.modified = now;
        }
    }

    fn change_segment(&mut self, rec: &mut Recorder, segment: Uuid, now: Timestamp, f: impl FnOnce(&mut Segment)) {
        if let Some(s) = self.segments.iter_mut().find(|s| s.id == segment) {
            rec.segment(segment, Some(s));
            f(s);
            s.modified = now;
        }
    }

    /// Removes segments with the memos on them.
    fn remove_segments(&mut self, rec: &mut Recorder, gone: &HashSet<Uuid>) {
        if gone.is_empty() {
            return;
        }
        for s in self.segments.iter().filter(|s| gone.contains(&s.id)) {
            rec.segment(s.id, Some(s));
        }
        self.segments.retain(|s| !gone.contains(&s.id));
        for m in self.memos.iter().filter(|m| matches!(&m.target, MemoTarget::Segment(s) if gone.contains(s))) {
            rec.memo(m.id, Some(m));
        }
        self.memos.retain(|m| !matches!(&m.target, MemoTarget::Segment(s) if gone.contains(s)));
    }

    /// The text at `start..end` of a source, checked.
    fn selection(&self, source: &SourceRef, start: usize, end: usize) -> Result<&str, ValidationError> {
        let text = self.source_text(source).ok_or(ValidationError::UnknownSource)?;
        if start >= end {
            return Err(ValidationError::EmptySelection);
        }
        slice_code_points(text, start, end).ok_or_else(|| ValidationError::SelectionOutsideText {
            start,
            end,
            len: code_point_len(text),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_codes(
        &mut self,
        rec: &mut Recorder,
        source: SourceRef,
        start: usize,
        end: usize,
        codes: Vec<Uuid>,
        coder: String,
        now: Timestamp,
    ) -> Result<Option<Uuid>, ValidationError> {
        let wanted = self.wanted_codes(codes)?;
        let text = self.selection(&source, start, end)?.to_string();
        let coder = coder.trim().to_string();
        let existing = self.segments.iter().position(|s| {
            s.start == start
                && s.end == end
                && s.anchor == Anchor::Placed
                && s.source == source
                && coded_only_by(s, &coder)
        });
        Ok(Some(match existing {
            Some(at) => self.add_codings(rec, at, &wanted, &coder, now),
            None => self.new_segment(rec, source, start, end, text, &wanted, &coder, now),
        }))
    }

    /// [`Self::apply_codes`] at many places: every place is checked before anything
    /// changes, and segments are found through one map rather than a scan per place.
    fn apply_codes_many(
        &mut self,
        rec: &mut Recorder,
        places: Vec<(SourceRef, usize, usize)>,
        codes: Vec<Uuid>,
        coder: String,
        now: Timestamp,
    ) -> Result<(), ValidationError> {
        let wanted = self.wanted_codes(codes)?;
        if places.is_empty() {
            return Err(ValidationError::EmptySelection);
        }
        let mut texts = Vec::with_capacity(places.len());
        let mut existing: HashMap<(SourceRef, usize, usize), usize> = HashMap::new();
        {
            // The same checks and errors as `selection`, walking each text once when the
            // places on it come in order (as a search gives them).
            let mut walked: HashMap<&SourceRef, Seeker> = HashMap::new();
            for (source, start, end) in &places {
                let seeker = match walked.entry(source) {
                    Entry::Occupied(e) => e.into_mut(),
                    Entry::Vacant(v) => {
                        v.insert(Seeker::new(self.source_text(source).ok_or(ValidationError::UnknownSource)?))
                    }
                };
                if start >= end {
                    return Err(ValidationError::EmptySelection);
                }
                let words = seeker.slice(*start, *end).ok_or_else(|| ValidationError::SelectionOutsideText {
                    start: *start,
                    end: *end,
                    len: code_point_len(seeker.text),
                })?;
                texts.push(words.to_string());
            }
            // The first matching segment, as `apply_codes`'s scan would find.
            for (at, s) in self.segments.iter().enumerate() {
                if s.anchor == Anchor::Placed && walked.contains_key(&s.source) && coded_only_by(s, coder.trim()) {
                    existing.entry((s.source.clone(), s.start, s.end)).or_insert(at);
                }
            }
        }
        let coder = coder.trim().to_string();
        for (place, text) in places.into_iter().zip(texts) {
            match existing.get(&place) {
                Some(at) => {
                    self.add_codings(rec, *at, &wanted, &coder, now);
                }
                None => {
                    let (source, start, end) = place.clone();
                    self.new_segment(rec, source, start, end, text, &wanted, &coder, now);
                    // A place given twice adds to the segment made the first time.
                    existing.insert(place, self.segments.len() - 1);
                }
            }
        }
        Ok(())
    }

    /// The codes to apply, each known, without repeats; at least one.
    fn wanted_codes(&self, codes: Vec<Uuid>) -> Result<Vec<Uuid>, ValidationError> {
        let mut wanted: Vec<Uuid> = Vec::new();
        for c in codes {
            self.code_or_err(c)?;
            if !wanted.contains(&c) {
                wanted.push(c);
            }
        }
        if wanted.is_empty() {
            return Err(ValidationError::NoCodesChosen);
        }
        Ok(wanted)
    }

    /// Adds the codes a segment does not have yet; its id.
    ///
    /// Only to a segment of the same coder: another coder's coding of the same words
    /// is a segment of its own, so that each coder's work stays whole (agreement
    /// between coders compares them).
    fn add_codings(&mut self, rec: &mut Recorder, at: usize, wanted: &[Uuid], coder: &str, now: Timestamp) -> Uuid {
        let s = &mut self.segments[at];
        let new: Vec<Uuid> = wanted.iter().copied().filter(|c| !s.has_code(*c)).collect();
        if !new.is_empty() {
            rec.segment(s.id, Some(s));
            s.codings.extend(new.into_iter().map(|code| Coding { code, coder: coder.to_string(), created: now }));
            s.modified = now;
        }
        s.id
    }

    #[allow(clippy::too_many_arguments)]
    fn new_segment(
        &mut self,
        rec: &mut Recorder,
        source: SourceRef,
        start: usize,
        end: usize,
        text: String,
        wanted: &[Uuid],
        coder: &str,
        now: Timestamp,
    ) -> Uuid {
        let id = Uuid::new_v4();
        rec.segment(id, None);
        self.segments.push(Segment {
            id,
            study_id: self.study.id,
            created: now,
            modified: now,
            source,
            start,
            end,
            text,
            codings: wanted.iter().map(|code| Coding { code: *code, coder: coder.to_string(), created: now }).collect(),
            anchor: Anchor::Placed,
        });
        id
    }

    fn merge_codes(
        &mut self,
        rec: &mut Recorder,
        from: Uuid,
        into: Uuid,
        now: Timestamp,
    ) -> Result<(), ValidationError> {
        if from == into {
            return Err(ValidationError::MergeIntoSelf);
        }
        let from_name = self.code_or_err(from)?.name.clone();
        self.code_or_err(into)?;
        if self.code_and_descendants(from).contains(&into) {
            return Err(ValidationError::MergeIntoDescendant(from_name));
        }
        // Sub-codes move under the surviving code; their names must fit there.
        let children: Vec<(Uuid, String)> = self.child_codes(Some(from)).map(|c| (c.id, c.name.clone())).collect();
        for (id, name) in &children {
            self.check_code_name(Some(*id), Some(into), name)?;
        }
        for (id, _) in &children {
            self.change_code(rec, *id, now, |c| c.parent = Some(into));
        }
        for s in self.segments.iter_mut().filter(|s| s.has_code(from)) {
            rec.segment(s.id, Some(s));
            if s.has_code(into) {
                // One coding of the surviving code: the earlier of the two.
                let from_coding = s.codings.iter().find(|c| c.code == from).cloned();
                if let (Some(f), Some(i)) = (from_coding, s.codings.iter_mut().find(|c| c.code == into))
                    && f.created < i.created
                {
                    *i = Coding { code: into, ..f };
                }
                s.codings.retain(|c| c.code != from);
            } else {
                for c in s.codings.iter_mut().filter(|c| c.code == from) {
                    c.code = into;
                }
            }
            s.modified = now;
        }
        for m in self.memos.iter_mut().filter(|m| m.target == MemoTarget::Code(from)) {
            rec.memo(m.id, Some(m));
            m.target = MemoTarget::Code(into);
            m.modified = now;
        }
        // The merged code's matrix column joins the surviving code's.
        let moving: Vec<usize> = (0..self.matrix_cells.len())
            .filter(|at| self.matrix_cells[*at].column == MatrixColumn::Theme(from))
            .collect();
        let mut drop = HashSet::new();
        for at in moving {
            let cell = self.matrix_cells[at].clone();
            rec.cell(cell.id, Some(&cell));
            let target =
                self.matrix_cells.iter().position(|c| c.row == cell.row && c.column == MatrixColumn::Theme(into));
            match target {
                Some(t) => {
                    let keep = &mut self.matrix_cells[t];
                    rec.cell(keep.id, Some(keep));
                    if !cell.synopsis.trim().is_empty() {
                        if !keep.synopsis.trim().is_empty() {
                            keep.synopsis.push_str("\n\n");
                        }
                        keep.synopsis.push_str(&cell.synopsis);
                    }
                    for s in cell.segments {
                        if !keep.segments.contains(&s) {
                            keep.segments.push(s);
                        }
                    }
                    keep.modified = now;
                    drop.insert(cell.id);
                }
                None => {
                    let moved = &mut self.matrix_cells[at];
                    moved.column = MatrixColumn::Theme(into);
                    moved.modified = now;
                }
            }
        }
        self.matrix_cells.retain(|c| !drop.contains(&c.id));
        if let Some(c) = self.code(from) {
            rec.code(from, Some(c));
        }
        self.codes.retain(|c| c.id != from);
        Ok(())
    }

    fn split_code(
        &mut self,
        rec: &mut Recorder,
        code: Uuid,
        name: &str,
        colour: &str,
        segments: &[Uuid],
        now: Timestamp,
    ) -> Result<Uuid, ValidationError> {
        let original = self.code_or_err(code)?.clone();
        if segments.is_empty() {
            return Err(ValidationError::SplitNothingChosen);
        }
        let chosen: HashSet<Uuid> = segments.iter().copied().collect();
        for id in &chosen {
            let s = self.segment(*id).ok_or(ValidationError::UnknownSegment(*id))?;
            if !s.has_code(code) {
                return Err(ValidationError::SegmentNotCoded(original.name.clone()));
            }
        }
        let name = self.check_code_name(None, original.parent, name)?;
        let colour = check_code_colour(colour)?;
        let id = Uuid::new_v4();
        rec.code(id, None);
        let order = self.next_sibling_order(original.parent);
        self.codes.push(Code {
            id,
            study_id: self.study.id,
            created: now,
            modified: now,
            parent: original.parent,
            name,
            colour,
            definition: String::new(),
            inclusion: String::new(),
            exclusion: String::new(),
            example: String::new(),
            order,
        });
        for s in self.segments.iter_mut().filter(|s| chosen.contains(&s.id)) {
            rec.segment(s.id, Some(s));
            for c in s.codings.iter_mut().filter(|c| c.code == code) {
                c.code = id;
            }
            s.modified = now;
        }
        Ok(id)
    }

    fn delete_code(&mut self, rec: &mut Recorder, code: Uuid) -> Result<(), ValidationError> {
        self.code_or_err(code)?;
        let gone: HashSet<Uuid> = self.code_and_descendants(code).into_iter().collect();
        let mut empty = HashSet::new();
        for s in self.segments.iter_mut().filter(|s| s.codings.iter().any(|c| gone.contains(&c.code))) {
            rec.segment(s.id, Some(s));
            s.codings.retain(|c| !gone.contains(&c.code));
            if s.codings.is_empty() {
                empty.insert(s.id);
            }
        }
        self.remove_segments(rec, &empty);
        for m in self.memos.iter().filter(|m| matches!(&m.target, MemoTarget::Code(c) if gone.contains(c))) {
            rec.memo(m.id, Some(m));
        }
        self.memos.retain(|m| !matches!(&m.target, MemoTarget::Code(c) if gone.contains(c)));
        for c in self.matrix_cells.iter().filter(|c| matches!(c.column, MatrixColumn::Theme(t) if gone.contains(&t))) {
            rec.cell(c.id, Some(c));
        }
        self.matrix_cells.retain(|c| !matches!(c.column, MatrixColumn::Theme(t) if gone.contains(&t)));
        for c in self.codes.iter().filter(|c| gone.contains(&c.id)) {
            rec.code(c.id, Some(c));
        }
        self.codes.retain(|c| !gone.contains(&c.id));
        Ok(())
    }

    fn check_memo_target(&self, target: &MemoTarget) -> Result<(), ValidationError> {
        match target {
            MemoTarget::Segment(s) => self.segment(*s).map(|_| ()).ok_or(ValidationError::UnknownSegment(*s)),
            MemoTarget::Code(c) => self.code_or_err(*c).map(|_| ()),
            MemoTarget::Source(s) => self.source_text(s).map(|_| ()).ok_or(ValidationError::UnknownSource),
            MemoTarget::Journal => Ok(()),
        }
    }

    fn check_matrix_place(&self, row: MatrixRow, column: MatrixColumn) -> Result<(), ValidationError> {
        let row_ok = match row {
            MatrixRow::Case(c) => self.case(c).is_some(),
            MatrixRow::Participant(p) => self.participant(p).is_some(),
        };
        let column_ok = match column {
            MatrixColumn::Theme(t) => self.code(t).is_some(),
            MatrixColumn::Question(q) => self.study.research_questions.iter().any(|x| x.id == q),
        };
        if row_ok && column_ok { Ok(()) } else { Err(ValidationError::UnknownMatrixCell) }
    }

    /// The index of a matrix cell, created if needed, recorded and marked modified.
    /// Links to segments that no longer exist are dropped here.
    fn cell_at(
        &mut self,
        rec: &mut Recorder,
        row: MatrixRow,
        column: MatrixColumn,
        now: Timestamp,
    ) -> Result<usize, ValidationError> {
        self.check_matrix_place(row, column)?;
        let at = match self.matrix_cells.iter().position(|c| c.row == row && c.column == column) {
            Some(at) => {
                rec.cell(self.matrix_cells[at].id, Some(&self.matrix_cells[at]));
                at
            }
            None => {
                let id = Uuid::new_v4();
                rec.cell(id, None);
                self.matrix_cells.push(MatrixCell {
                    id,
                    study_id: self.study.id,
                    created: now,
                    modified: now,
                    row,
                    column,
                    synopsis: String::new(),
                    segments: Vec::new(),
                });
                self.matrix_cells.len() - 1
            }
        };
        let existing: HashSet<Uuid> =
            self.matrix_cells[at].segments.iter().filter(|s| self.segment(**s).is_some()).copied().collect();
        let cell = &mut self.matrix_cells[at];
        cell.segments.retain(|s| existing.contains(s));
        cell.modified = now;
        Ok(at)
    }

    /// Copies another study's codebook into this one (see the module docs): new ids
    /// derived from the originals, codes already here (same derived id, or same name
    /// under the same parent) are not copied again. Codings are not copied.
    pub fn import_codebook(&mut self, from: &StudyData, now: Timestamp) -> Result<Applied, ValidationError> {
        let mut rec = Recorder::default();
        let mut mapped: HashMap<Uuid, Uuid> = HashMap::new();
        let namespace = self.study.id;
        for (_, code) in from.codebook() {
            let parent = match code.parent {
                Some(p) => match mapped.get(&p) {
                    Some(m) => Some(*m),
                    None => continue, // parent not copied (a loop in the other study): skip
                },
                None => None,
            };
            let derived = Uuid::new_v5(&namespace, code.id.as_bytes());
            let existing = self.code(derived).map(|c| c.id).or_else(|| {
                self.codes.iter().find(|c| c.parent == parent && same_name(&c.name, &code.name)).map(|c| c.id)
            });
            if let Some(id) = existing {
                mapped.insert(code.id, id);
                continue;
            }
            let name = code.name.trim();
            if name.is_empty() {
                continue;
            }
            let colour = check_code_colour(&code.colour).unwrap_or_else(|_| "#808080".to_string());
            rec.code(derived, None);
            self.codes.push(Code {
                id: derived,
                study_id: self.study.id,
                created: now,
                modified: now,
                parent,
                name: name.to_string(),
                colour,
                ..code.clone()
            });
            mapped.insert(code.id, derived);
        }
        Ok(self.finish(rec.before, None))
    }

    // --- keeping segments on their words when sources change ---

    /// Moves the segments on `source` from its old text to its text as it is now
    /// (see `anchoring.rs`): placed on the same words, marked for review, or lost.
    /// Returns the segments that changed.
    pub fn reanchor_source(&mut self, source: &SourceRef, old_text: &str, now: Timestamp) -> Vec<ObjectRef> {
        let on_source: Vec<usize> =
            (0..self.segments.len()).filter(|at| self.segments[*at].source == *source).collect();
        if on_source.is_empty() {
            return Vec::new();
        }
        let new_text = self.source_text(source).unwrap_or("").to_string();
        if new_text == old_text {
            return Vec::new();
        }
        let spans: Vec<(usize, usize)> =
            on_source.iter().map(|at| (self.segments[*at].start, self.segments[*at].end)).collect();
        let placements = reanchor(old_text, &new_text, &spans);
        let mut changed = Vec::new();
        for (at, placement) in on_source.into_iter().zip(placements) {
            let s = &mut self.segments[at];
            let (start, end, anchor) = match placement {
                Placement::Lost { at } => (at, at, Anchor::Lost),
                Placement::Placed { start, end } | Placement::NeedsReview { start, end } => {
                    let now_covers = slice_code_points(&new_text, start, end).unwrap_or("");
                    let anchor = if s.anchor == Anchor::Lost {
                        Anchor::Lost
                    } else if now_covers == s.text {
                        Anchor::Placed
                    } else {
                        Anchor::NeedsReview
                    };
                    (start, end, anchor)
                }
            };
            if (s.start, s.end, s.anchor) != (start, end, anchor) {
                s.start = start;
                s.end = end;
                s.anchor = anchor;
                s.modified = now;
                changed.push(ObjectRef::Segment(s.id));
            }
        }
        changed
    }

    /// Marks the segments on a source that no longer exists (a removed turn or
    /// transcript, a cleared answer) as lost, keeping their words.
    pub fn lose_source(&mut self, source: &SourceRef, now: Timestamp) -> Vec<ObjectRef> {
        let mut changed = Vec::new();
        for s in self.segments.iter_mut().filter(|s| s.source == *source && s.anchor != Anchor::Lost) {
            s.anchor = Anchor::Lost;
            s.modified = now;
            changed.push(ObjectRef::Segment(s.id));
        }
        changed
    }

    /// Deletes the segments on sources that are being deleted (an interview, a
    /// document, a response), with the memos on them and on those sources. Returns
    /// what to delete from storage.
    pub(crate) fn drop_coding_of(&mut self, gone: impl Fn(&SourceRef) -> bool) -> Vec<ObjectRef> {
        let segments: HashSet<Uuid> = self.segments.iter().filter(|s| gone(&s.source)).map(|s| s.id).collect();
        let mut removed: Vec<ObjectRef> = segments.iter().map(|s| ObjectRef::Segment(*s)).collect();
        self.segments.retain(|s| !segments.contains(&s.id));
        let memo_gone = |m: &Memo| match &m.target {
            MemoTarget::Segment(s) => segments.contains(s),
            MemoTarget::Source(s) => gone(s),
            _ => false,
        };
        removed.extend(self.memos.iter().filter(|m| memo_gone(m)).map(|m| ObjectRef::Memo(m.id)));
        self.memos.retain(|m| !memo_gone(m));
        removed
    }

    /// Checks the coding workspace of a study read from a backup: ids, codes (names,
    /// colours, parents, no loops), segments (source exists, bounds within its text,
    /// at least one coding, known codes), memos' targets, matrix rows and columns.
    pub fn validate_coding(&self, ids: &mut HashSet<Uuid>) -> Vec<ValidationError> {
        let mut errors = Vec::new();
        let study_id = self.study.id;
        let mut seen = |id: Uuid, errors: &mut Vec<ValidationError>| {
            if !ids.insert(id) {
                errors.push(ValidationError::DuplicateId(id));
            }
        };
        let codes: HashSet<Uuid> = self.codes.iter().map(|c| c.id).collect();
        let mut names = HashSet::new();
        for c in &self.codes {
            seen(c.id, &mut errors);
            if c.study_id != study_id {
                errors.push(ValidationError::WrongStudy { kind: "Code", id: c.id });
            }
            if c.name.trim().is_empty() {
                errors.push(ValidationError::EmptyCodeName);
            } else if !names.insert((c.parent, c.name.trim().to_lowercase())) {
                errors.push(ValidationError::DuplicateCodeName(c.name.clone()));
            }
            if check_code_colour(&c.colour).is_err() {
                errors.push(ValidationError::InvalidColour(c.colour.clone()));
            }
            if let Some(p) = c.parent.filter(|p| !codes.contains(p)) {
                errors.push(ValidationError::UnknownCode(p));
            }
        }
        let parents: HashMap<Uuid, Option<Uuid>> = self.codes.iter().map(|c| (c.id, c.parent)).collect();
        for c in &self.codes {
            let mut next = c.parent;
            let mut steps = 0;
            while let Some(p) = next {
                steps += 1;
                if p == c.id || steps > self.codes.len() {
                    errors.push(ValidationError::CodebookCycle(c.name.clone()));
                    break;
                }
                next = parents.get(&p).copied().flatten();
            }
        }
        let mut lengths: HashMap<&SourceRef, Option<usize>> = HashMap::new();
        for s in &self.segments {
            seen(s.id, &mut errors);
            if s.study_id != study_id {
                errors.push(ValidationError::WrongStudy { kind: "Segment", id: s.id });
            }
            let len = *lengths.entry(&s.source).or_insert_with(|| self.source_text(&s.source).map(code_point_len));
            let bounds_ok = match (len, s.anchor) {
                (_, Anchor::Lost) => s.start <= s.end,
                (Some(len), _) => s.start < s.end && s.end <= len,
                (None, _) => false,
            };
            if len.is_none() && s.anchor != Anchor::Lost {
                errors.push(ValidationError::SegmentSourceMissing(s.id));
            } else if !bounds_ok || s.codings.is_empty() {
                errors.push(ValidationError::InvalidSegment(s.id));
            }
            let mut on = HashSet::new();
            for c in &s.codings {
                if !codes.contains(&c.code) {
                    errors.push(ValidationError::UnknownCode(c.code));
                } else if !on.insert(c.code) {
                    errors.push(ValidationError::InvalidSegment(s.id));
                }
            }
        }
        let segments: HashSet<Uuid> = self.segments.iter().map(|s| s.id).collect();
        for m in &self.memos {
            seen(m.id, &mut errors);
            if m.study_id != study_id {
                errors.push(ValidationError::WrongStudy { kind: "Memo", id: m.id });
            }
            match &m.target {
                MemoTarget::Segment(s) if !segments.contains(s) => errors.push(ValidationError::UnknownSegment(*s)),
                MemoTarget::Code(c) if !codes.contains(c) => errors.push(ValidationError::UnknownCode(*c)),
                MemoTarget::Source(s) if self.source_text(s).is_none() => errors.push(ValidationError::UnknownSource),
                _ => {}
            }
        }
        let mut places = HashSet::new();
        for c in &self.matrix_cells {
            seen(c.id, &mut errors);
            if c.study_id != study_id {
                errors.push(ValidationError::WrongStudy { kind: "Matrix cell", id: c.id });
            }
            if self.check_matrix_place(c.row, c.column).is_err() || !places.insert((c.row, c.column)) {
                errors.push(ValidationError::UnknownMatrixCell);
            }
        }
        errors
    }
}
