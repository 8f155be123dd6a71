//! What the survey builder screen needs beyond [`crate::surveys::SurveyEdit`]: a flat,
//! form-friendly shape for skip-logic conditions, and machine names suggested from
//! labels. Kept here so the rules are tested natively and the screen stays thin.

use uuid::Uuid;

use crate::surveys::{Condition, Page, QuestionKind};
use crate::surveys::{is_machine_name, is_reserved_column};

/// One comparison as the builder's form shows it: a question, an operator, a value.
#[derive(Clone, Debug, PartialEq)]
pub struct Clause {
    pub question: Uuid,
    pub op: ClauseOp,
    /// The compared value as typed or picked (a choice value, `yes`/`no`, a number).
    pub value: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClauseOp {
    Is,
    IsNot,
    /// Comma-separated values.
    IsOneOf,
    MoreThan,
    LessThan,
    Answered,
    NotAnswered,
}

impl ClauseOp {
    pub const ALL: [ClauseOp; 7] = [
        ClauseOp::Is,
        ClauseOp::IsNot,
        ClauseOp::IsOneOf,
        ClauseOp::MoreThan,
        ClauseOp::LessThan,
        ClauseOp::Answered,
        ClauseOp::NotAnswered,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ClauseOp::Is => "is",
            ClauseOp::IsNot => "is_not",
            ClauseOp::IsOneOf => "one_of",
            ClauseOp::MoreThan => "more_than",
            ClauseOp::LessThan => "less_than",
            ClauseOp::Answered => "answered",
            ClauseOp::NotAnswered => "not_answered",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ClauseOp::Is => "is",
            ClauseOp::IsNot => "is not",
            ClauseOp::IsOneOf => "is one of",
            ClauseOp::MoreThan => "is more than",
            ClauseOp::LessThan => "is less than",
            ClauseOp::Answered => "is answered",
            ClauseOp::NotAnswered => "is not answered",
        }
    }

    pub fn parse(key: &str) -> Option<ClauseOp> {
        ClauseOp::ALL.into_iter().find(|op| op.key() == key)
    }

    pub fn takes_value(self) -> bool {
        !matches!(self, ClauseOp::Answered | ClauseOp::NotAnswered)
    }

    /// The operators that make sense for a question of this kind.
    pub fn for_kind(kind: &QuestionKind) -> Vec<ClauseOp> {
        use ClauseOp::*;
        match kind {
            QuestionKind::SingleChoice { .. } | QuestionKind::YesNo => vec![Is, IsNot, IsOneOf, Answered, NotAnswered],
            QuestionKind::MultipleChoice { .. } => vec![IsOneOf, Answered, NotAnswered],
            QuestionKind::Number { .. } | QuestionKind::Rating { .. } => {
                vec![Is, IsNot, MoreThan, LessThan, Answered, NotAnswered]
            }
            QuestionKind::Info => Vec::new(),
            _ => vec![Answered, NotAnswered],
        }
    }
}

/// How several clauses combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Combine {
    All,
    Any,
}

impl Clause {
    fn to_condition(&self) -> Option<Condition> {
        let question = self.question;
        let value = self.value.trim().to_string();
        let number = || value.parse::<f64>().ok().filter(|n| n.is_finite());
        Some(match self.op {
            ClauseOp::Is => Condition::Equals { question, value },
            ClauseOp::IsNot => Condition::Not { condition: Box::new(Condition::Equals { question, value }) },
            ClauseOp::IsOneOf => Condition::OneOf {
                question,
                values: value.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect(),
            },
            ClauseOp::MoreThan => Condition::GreaterThan { question, value: number()? },
            ClauseOp::LessThan => Condition::LessThan { question, value: number()? },
            ClauseOp::Answered => Condition::Answered { question },
            ClauseOp::NotAnswered => Condition::Not { condition: Box::new(Condition::Answered { question }) },
        })
    }

    fn from_condition(condition: &Condition) -> Option<Clause> {
        let clause = |question: Uuid, op: ClauseOp, value: String| Some(Clause { question, op, value });
        match condition {
            Condition::Equals { question, value } => clause(*question, ClauseOp::Is, value.clone()),
            Condition::OneOf { question, values } => clause(*question, ClauseOp::IsOneOf, values.join(", ")),
            Condition::GreaterThan { question, value } => clause(*question, ClauseOp::MoreThan, value.to_string()),
            Condition::LessThan { question, value } => clause(*question, ClauseOp::LessThan, value.to_string()),
            Condition::Answered { question } => clause(*question, ClauseOp::Answered, String::new()),
            Condition::Not { condition } => match condition.as_ref() {
                Condition::Equals { question, value } => clause(*question, ClauseOp::IsNot, value.clone()),
                Condition::Answered { question } => clause(*question, ClauseOp::NotAnswered, String::new()),
                _ => None,
            },
            Condition::All { .. } | Condition::Any { .. } => None,
        }
    }
}

/// The condition these clauses make: None for no clauses; one clause alone; several
/// joined by all/any. A number clause whose value is not a number gives an error
/// message for the form.
pub fn condition_from_clauses(combine: Combine, clauses: &[Clause]) -> Result<Option<Condition>, String> {
    let mut conditions = Vec::with_capacity(clauses.len());
    for clause in clauses {
        match clause.to_condition() {
            Some(c) => conditions.push(c),
            None => return Err(format!("“{}” is not a number.", clause.value.trim())),
        }
    }
    Ok(match conditions.len() {
        0 => None,
        1 => conditions.pop(),
        _ if combine == Combine::All => Some(Condition::All { conditions }),
        _ => Some(Condition::Any { conditions }),
    })
}

/// A condition as form clauses, when it has that shape (a comparison, or all/any of
/// comparisons). Conditions nested deeper (e.g. imported) return None: the builder
/// then shows them in words and offers only to replace them.
pub fn clauses_of(condition: &Condition) -> Option<(Combine, Vec<Clause>)> {
    match condition {
        Condition::All { conditions } => {
            Some((Combine::All, conditions.iter().map(Clause::from_condition).collect::<Option<Vec<_>>>()?))
        }
        Condition::Any { conditions } => {
            Some((Combine::Any, conditions.iter().map(Clause::from_condition).collect::<Option<Vec<_>>>()?))
        }
        single => Some((Combine::All, vec![Clause::from_condition(single)?])),
    }
}

/// A machine name for a new question from its label: `q{n}_{first words}`, lower
/// case ASCII, unique among the survey's question and statement names, and never
/// the name of a column every export has ([`is_reserved_column`]: `_q` is added).
pub fn suggest_question_name(pages: &[Page], label: &str) -> String {
    let taken: Vec<&str> = pages
        .iter()
        .flat_map(|p| &p.questions)
        .flat_map(|q| {
            let items: Vec<&str> = match &q.kind {
                QuestionKind::Likert { items, .. } => items.iter().map(|i| i.name.as_str()).collect(),
                _ => Vec::new(),
            };
            std::iter::once(q.name.as_str()).chain(items)
        })
        .collect();
    let number = pages.iter().map(|p| p.questions.len()).sum::<usize>() + 1;
    let words: Vec<String> = label
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(3)
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let base = if words.is_empty() { format!("q{number}") } else { format!("q{number}_{}", words.join("_")) };
    let base: String = base.chars().take(40).collect();
    let base = if is_reserved_column(&base) { format!("{base}_q") } else { base };
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name.as_str()) || !is_machine_name(&name) || is_reserved_column(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::{Question, Text};

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn clauses_and_conditions_convert_both_ways() {
        let is = Clause { question: id(1), op: ClauseOp::Is, value: "yes".into() };
        let more = Clause { question: id(2), op: ClauseOp::MoreThan, value: " 3 ".into() };
        let not_answered = Clause { question: id(3), op: ClauseOp::NotAnswered, value: String::new() };
        assert_eq!(condition_from_clauses(Combine::All, &[]), Ok(None));
        assert_eq!(
            condition_from_clauses(Combine::Any, std::slice::from_ref(&is)),
            Ok(Some(Condition::Equals { question: id(1), value: "yes".into() }))
        );
        let both =
            condition_from_clauses(Combine::Any, &[is.clone(), more.clone(), not_answered.clone()]).ok().flatten();
        let Some(both) = both else { panic!("expected a condition") };
        assert!(matches!(&both, Condition::Any { conditions } if conditions.len() == 3));
        let (combine, back) = clauses_of(&both).unwrap_or((Combine::All, Vec::new()));
        assert_eq!(combine, Combine::Any);
        assert_eq!(back[0], is);
        assert_eq!(back[1], Clause { value: "3".into(), ..more });
        assert_eq!(back[2], not_answered);
    }

    #[test]
    fn a_number_clause_needs_a_number_and_deep_nesting_is_not_a_form() {
        let bad = Clause { question: id(1), op: ClauseOp::LessThan, value: "ten".into() };
        assert_eq!(condition_from_clauses(Combine::All, &[bad]), Err("“ten” is not a number.".into()));
        let nested = Condition::All {
            conditions: vec![Condition::Any { conditions: vec![Condition::Answered { question: id(1) }] }],
        };
        assert_eq!(clauses_of(&nested), None);
        let one_of = Clause { question: id(4), op: ClauseOp::IsOneOf, value: "a, b,,c".into() };
        assert_eq!(
            condition_from_clauses(Combine::All, &[one_of]),
            Ok(Some(Condition::OneOf { question: id(4), values: vec!["a".into(), "b".into(), "c".into()] }))
        );
    }

    #[test]
    fn suggested_names_are_machine_names_and_unique() {
        let question = |name: &str| Question {
            id: Uuid::new_v4(),
            name: name.into(),
            label: Text::en("x"),
            help: Text::default(),
            required: false,
            required_message: Text::default(),
            kind: QuestionKind::YesNo,
            condition: None,
        };
        let pages = vec![Page {
            id: id(9),
            title: Text::default(),
            condition: None,
            questions: vec![question("q2_how_long_have")],
        }];
        assert_eq!(suggest_question_name(&pages, "How long have you volunteered?"), "q2_how_long_have_2");
        assert_eq!(suggest_question_name(&pages, "Pa mor hir? ŵ"), "q2_pa_mor_hir");
        assert_eq!(suggest_question_name(&pages, "¿?"), "q2");
        assert_eq!(suggest_question_name(&[], "1st time"), "q1_1st_time");
        for op in ClauseOp::ALL {
            assert_eq!(ClauseOp::parse(op.key()), Some(op));
        }
    }
}
