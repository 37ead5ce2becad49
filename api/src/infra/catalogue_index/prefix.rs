//! "A word that starts with this stem" as a tantivy query: an automaton over the term
//! dictionary that walks the stem's bytes and then accepts anything. Built per search with no
//! compiling (a regular expression `stem.*` would compile a DFA per search, which cost more
//! than the search itself).

use std::sync::Arc;

use tantivy::{
    query::{AutomatonWeight, EnableScoring, Query, Weight},
    schema::Field,
};
use tantivy_fst::Automaton;

/// Matches the terms that start with `prefix`; every match scores the same.
#[derive(Debug, Clone)]
pub(super) struct PrefixQuery {
    field: Field,
    prefix: Arc<Prefix>,
}

impl PrefixQuery {
    pub(super) fn new(field: Field, prefix: &str) -> Self {
        Self {
            field,
            prefix: Arc::new(Prefix(prefix.as_bytes().to_vec())),
        }
    }
}

impl Query for PrefixQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(AutomatonWeight::<Prefix>::new(
            self.field,
            self.prefix.clone(),
        )))
    }
}

#[derive(Debug)]
struct Prefix(Vec<u8>);

impl Automaton for Prefix {
    /// How many bytes of the prefix were read; `None` once a byte differed.
    type State = Option<usize>;

    fn start(&self) -> Option<usize> {
        Some(0)
    }

    fn is_match(&self, state: &Option<usize>) -> bool {
        *state == Some(self.0.len())
    }

    fn can_match(&self, state: &Option<usize>) -> bool {
        state.is_some()
    }

    fn will_always_match(&self, state: &Option<usize>) -> bool {
        self.is_match(state)
    }

    fn accept(&self, state: &Option<usize>, byte: u8) -> Option<usize> {
        match *state {
            Some(read) if read == self.0.len() => Some(read),
            Some(read) if self.0[read] == byte => Some(read + 1),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(prefix: &str, word: &str) -> bool {
        let automaton = Prefix(prefix.as_bytes().to_vec());
        let state = word
            .bytes()
            .fold(automaton.start(), |state, byte| automaton.accept(&state, byte));
        automaton.is_match(&state)
    }

    #[test]
    fn matches_words_starting_with_the_prefix_only() {
        assert!(matches("lin", "lin"));
        assert!(matches("lin", "linen"));
        assert!(!matches("lin", "li"));
        assert!(!matches("lin", "olin"));
        assert!(!matches("lin", "lan"));
        assert!(matches("", "anything"));
    }
}
