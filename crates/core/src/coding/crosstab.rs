//! Codes across cases' attributes and participants' roles: for each code, how many
//! segments, sources and participants fall under each value (a rural case, a
//! co-operative, a manager…), to compare the pattern across cases.
//!
//! A segment counts under the value of the case its source belongs to (or of the
//! participant its words are attributed to, for roles); one with no value counts
//! under "(none)". A code's own segments are counted, not its sub-codes'.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use uuid::Uuid;

use crate::coding::retrieval::Attributor;
use crate::study::StudyData;

/// What the columns are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Across {
    Case,
    Setting,
    LegalForm,
    Country,
    /// An extra case attribute, by its key.
    Attribute(String),
    Role,
}

/// The label used for segments with no value.
pub const NO_VALUE: &str = "(none)";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CrossCell {
    pub segments: usize,
    pub sources: usize,
    pub participants: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CrossTab {
    /// The values, in the study's order (cases, roles) or alphabetically; "(none)" last.
    pub columns: Vec<String>,
    /// Codes in codebook order, one cell per column.
    pub rows: Vec<(Uuid, Vec<CrossCell>)>,
}

impl CrossTab {
    /// Segments in a row, over all columns.
    pub fn row_total(&self, row: usize) -> usize {
        self.rows.get(row).map(|(_, cells)| cells.iter().map(|c| c.segments).sum()).unwrap_or(0)
    }

    /// Segments in a column, over all codes.
    pub fn column_total(&self, column: usize) -> usize {
        self.rows.iter().filter_map(|(_, cells)| cells.get(column)).map(|c| c.segments).sum()
    }
}

impl StudyData {
    /// Every code's segments, sources and participants by the values of `across`.
    pub fn code_by(&self, across: &Across) -> CrossTab {
        let mut at = Attributor::new(self);
        // (code, value) → segments, sources, participants.
        type Counted<'a> = (usize, BTreeSet<&'a crate::coding::sources::SourceRef>, BTreeSet<Uuid>);
        let mut counted: HashMap<(Uuid, String), Counted<'_>> = HashMap::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for s in &self.segments {
            let case = at.source(&s.source).and_then(|i| i.case_id).and_then(|c| self.case(c));
            let participant = at.participant(s);
            let value = match across {
                Across::Case => case.map(|c| c.name.clone()),
                Across::Setting => case.and_then(|c| c.attributes.setting).map(|x| x.label().to_string()),
                Across::LegalForm => case.map(|c| c.attributes.legal_form.clone()),
                Across::Country => case.map(|c| c.attributes.country.clone()),
                Across::Attribute(key) => case.and_then(|c| c.attributes.value(key)),
                Across::Role => participant
                    .and_then(|p| self.participant(p))
                    .and_then(|p| p.role_id)
                    .and_then(|r| self.study.roles.iter().find(|x| x.id == r))
                    .map(|r| r.name.clone()),
            }
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| NO_VALUE.to_string());
            seen.insert(value.clone());
            let mut codes: Vec<Uuid> = s.codings.iter().map(|c| c.code).collect();
            codes.dedup();
            for code in codes {
                let entry = counted.entry((code, value.clone())).or_default();
                entry.0 += 1;
                entry.1.insert(&s.source);
                if let Some(p) = participant {
                    entry.2.insert(p);
                }
            }
        }
        // Columns: the study's own order where it has one, else alphabetical.
        let ordered: Vec<String> = match across {
            Across::Case => self.cases.iter().map(|c| c.name.clone()).collect(),
            Across::Role => self.study.roles.iter().map(|r| r.name.clone()).collect(),
            _ => Vec::new(),
        };
        let mut columns: Vec<String> = ordered.into_iter().filter(|v| seen.contains(v)).collect();
        columns.dedup();
        for v in &seen {
            if v != NO_VALUE && !columns.contains(v) {
                columns.push(v.clone());
            }
        }
        if seen.contains(NO_VALUE) {
            columns.push(NO_VALUE.to_string());
        }
        let index: BTreeMap<&str, usize> = columns.iter().enumerate().map(|(i, v)| (v.as_str(), i)).collect();
        let mut rows = Vec::new();
        for (_, code) in self.codebook() {
            let mut cells = vec![CrossCell::default(); columns.len()];
            let mut any = false;
            for (value, at) in &index {
                if let Some((segments, sources, people)) = counted.get(&(code.id, value.to_string())) {
                    cells[*at] = CrossCell { segments: *segments, sources: sources.len(), participants: people.len() };
                    any = true;
                }
            }
            if any {
                rows.push((code.id, cells));
            }
        }
        CrossTab { columns, rows }
    }
}
