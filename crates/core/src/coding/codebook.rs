//! The codebook as a tree: looking codes up, their paths and themes, the order
//! they are listed in, and what deleting one would take with it. Changes to the
//! codebook go through [`StudyData::apply_coding`](crate::study::StudyData::apply_coding)
//! in [`super::edit`].

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use crate::coding::model::*;
use crate::study::validate::ValidationError;
use crate::study::{StudyData, plural};

/// What deleting a code takes with it, for the confirmation the user sees first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodeDeletionImpact {
    /// Names of the sub-codes (at any depth) deleted with it.
    pub sub_codes: Vec<String>,
    /// Codings removed (this code and its sub-codes on segments).
    pub codings: usize,
    /// Segments removed because no code would be left on them.
    pub segments: usize,
    pub memos: usize,
    pub matrix_cells: usize,
}

impl CodeDeletionImpact {
    /// A sentence for the confirmation dialog.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.codings > 0 {
            parts.push(plural(self.codings, "coding", "codings"));
        }
        if !self.sub_codes.is_empty() {
            parts.insert(
                0,
                format!("{} ({})", plural(self.sub_codes.len(), "sub-code", "sub-codes"), self.sub_codes.join(", ")),
            );
        }
        if self.segments > 0 {
            parts.push(format!("{} left with no other code", plural(self.segments, "coded segment", "coded segments")));
        }
        if self.memos > 0 {
            parts.push(plural(self.memos, "memo", "memos"));
        }
        if self.matrix_cells > 0 {
            parts.push(plural(self.matrix_cells, "matrix synopsis", "matrix synopses"));
        }
        if parts.is_empty() {
            return "Nothing is coded with it: only the code itself goes.".into();
        }
        format!("This deletes {}.", join_and(&parts))
    }
}

fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Code names are compared ignoring case and surrounding spaces.
pub(super) fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Accepts `#rrggbb` in any case; stored lower case.
pub fn check_code_colour(colour: &str) -> Result<String, ValidationError> {
    let c = colour.trim();
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|x| x.is_ascii_hexdigit());
    if ok { Ok(c.to_ascii_lowercase()) } else { Err(ValidationError::InvalidColour(c.to_string())) }
}

impl StudyData {
    pub fn code(&self, id: Uuid) -> Option<&Code> {
        self.codes.iter().find(|c| c.id == id)
    }

    pub fn segment(&self, id: Uuid) -> Option<&Segment> {
        self.segments.iter().find(|s| s.id == id)
    }

    pub fn memo(&self, id: Uuid) -> Option<&Memo> {
        self.memos.iter().find(|m| m.id == id)
    }

    pub fn matrix_cell(&self, row: MatrixRow, column: MatrixColumn) -> Option<&MatrixCell> {
        self.matrix_cells.iter().find(|c| c.row == row && c.column == column)
    }

    /// A code's children, in codebook order: as the analyst ordered them, else as created.
    pub fn child_codes(&self, parent: Option<Uuid>) -> impl Iterator<Item = &Code> {
        let mut children: Vec<&Code> = self.codes.iter().filter(move |c| c.parent == parent).collect();
        // Stable: codes never reordered (order 0) keep the order they were made in.
        children.sort_by_key(|c| c.order);
        children.into_iter()
    }

    /// The place for a code joining `parent`'s children: last. 0 while none of them
    /// was ever reordered (they go as created, and so does it).
    pub(crate) fn next_sibling_order(&self, parent: Option<Uuid>) -> u32 {
        let most = self.codes.iter().filter(|c| c.parent == parent).map(|c| c.order).max().unwrap_or(0);
        if most == 0 { 0 } else { most + 1 }
    }

    /// The themes (top-level codes).
    pub fn themes(&self) -> impl Iterator<Item = &Code> {
        self.child_codes(None)
    }

    /// A code and every code below it.
    pub fn code_and_descendants(&self, code: Uuid) -> Vec<Uuid> {
        let mut out = vec![code];
        let mut at = 0;
        while at < out.len() {
            let parent = out[at];
            out.extend(self.codes.iter().filter(|c| c.parent == Some(parent)).map(|c| c.id));
            at += 1;
        }
        out
    }

    /// The names from the theme down to the code ("Barriers", "Funding"). Stops at
    /// a loop rather than running forever (imports refuse loops anyway).
    pub fn code_path(&self, code: Uuid) -> Vec<&str> {
        let mut path = Vec::new();
        let mut next = self.code(code);
        let mut guard = 0;
        while let Some(c) = next {
            path.push(c.name.as_str());
            guard += 1;
            if guard > self.codes.len() {
                break;
            }
            next = c.parent.and_then(|p| self.code(p));
        }
        path.reverse();
        path
    }

    /// The theme (top-level code) a code belongs to: itself when it is one.
    pub fn theme_of(&self, code: Uuid) -> Option<Uuid> {
        let mut current = self.code(code)?;
        for _ in 0..=self.codes.len() {
            match current.parent.and_then(|p| self.code(p)) {
                Some(parent) => current = parent,
                None => return Some(current.id),
            }
        }
        None
    }

    /// Codes in codebook order: each theme followed by its codes, depth first, with
    /// their depth (0 for themes).
    pub fn codebook(&self) -> Vec<(usize, &Code)> {
        let mut children: HashMap<Option<Uuid>, Vec<&Code>> = HashMap::new();
        for c in &self.codes {
            children.entry(c.parent).or_default().push(c);
        }
        for siblings in children.values_mut() {
            siblings.sort_by_key(|c| c.order);
        }
        let mut out = Vec::with_capacity(self.codes.len());
        let mut stack: Vec<(usize, &Code)> =
            children.get(&None).map(|v| v.iter().rev().map(|c| (0, *c)).collect()).unwrap_or_default();
        let mut seen = HashSet::new();
        while let Some((depth, c)) = stack.pop() {
            if !seen.insert(c.id) {
                continue;
            }
            out.push((depth, c));
            if let Some(kids) = children.get(&Some(c.id)) {
                stack.extend(kids.iter().rev().map(|k| (depth + 1, *k)));
            }
        }
        out
    }

    pub(super) fn check_code_name(
        &self,
        own: Option<Uuid>,
        parent: Option<Uuid>,
        name: &str,
    ) -> Result<String, ValidationError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ValidationError::EmptyCodeName);
        }
        if self.codes.iter().any(|c| Some(c.id) != own && c.parent == parent && same_name(&c.name, name)) {
            return Err(ValidationError::DuplicateCodeName(name.to_string()));
        }
        Ok(name.to_string())
    }

    pub(crate) fn code_or_err(&self, id: Uuid) -> Result<&Code, ValidationError> {
        self.code(id).ok_or(ValidationError::UnknownCode(id))
    }

    /// What deleting a code would take with it (see the module docs).
    pub fn code_deletion_impact(&self, code: Uuid) -> Result<CodeDeletionImpact, ValidationError> {
        self.code_or_err(code)?;
        let gone: HashSet<Uuid> = self.code_and_descendants(code).into_iter().collect();
        let mut impact = CodeDeletionImpact {
            sub_codes: self
                .codes
                .iter()
                .filter(|c| c.id != code && gone.contains(&c.id))
                .map(|c| c.name.clone())
                .collect(),
            ..CodeDeletionImpact::default()
        };
        let mut gone_segments = HashSet::new();
        for s in &self.segments {
            let hit = s.codings.iter().filter(|c| gone.contains(&c.code)).count();
            impact.codings += hit;
            if hit > 0 && hit == s.codings.len() {
                impact.segments += 1;
                gone_segments.insert(s.id);
            }
        }
        impact.memos = self
            .memos
            .iter()
            .filter(|m| match &m.target {
                MemoTarget::Code(c) => gone.contains(c),
                MemoTarget::Segment(s) => gone_segments.contains(s),
                _ => false,
            })
            .count();
        impact.matrix_cells = self
            .matrix_cells
            .iter()
            .filter(|c| matches!(c.column, MatrixColumn::Theme(t) if gone.contains(&t)))
            .count();
        Ok(impact)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deletion_sentence_reads_well_with_nothing_and_with_everything() {
        assert_eq!(CodeDeletionImpact::default().describe(), "Nothing is coded with it: only the code itself goes.");
        let subs = CodeDeletionImpact { sub_codes: vec!["Roads".into()], ..CodeDeletionImpact::default() };
        assert_eq!(subs.describe(), "This deletes 1 sub-code (Roads).");
        let one = CodeDeletionImpact { codings: 1, segments: 1, ..CodeDeletionImpact::default() };
        assert_eq!(one.describe(), "This deletes 1 coding and 1 coded segment left with no other code.");
        for impact in [CodeDeletionImpact::default(), subs, one] {
            let text = impact.describe();
            assert!(!text.contains("..") && !text.contains("0 ") && text.ends_with('.'), "{text}");
        }
    }
}
