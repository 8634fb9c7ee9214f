//! The one fuzzy-filtered list every picker uses: its state and its keys.
//! (Its drawing is `ui/fuzzy_list.rs`.) Items are lines of text owned by the
//! caller; the list keeps the query, the matches best first, and the cursor.

use super::command::Command;
use super::matching;

/// How far PageUp / PageDown move in a picker.
pub const PAGE: usize = 10;

/// A query, the indices of the items it matches (best first), the cursor.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FuzzyList {
    pub query: String,
    /// Indices into the caller's lines, best match first.
    pub matches: Vec<usize>,
    /// Index into `matches`.
    pub selected: usize,
}

/// The first entry drawn in `height` rows so that `selected` is visible.
pub fn scroll(selected: usize, height: usize) -> usize {
    if height == 0 {
        0
    } else {
        selected.saturating_sub(height - 1)
    }
}

/// What a key did to the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListEvent {
    /// The query or the cursor changed (or nothing did); stay open.
    Moved,
    /// Enter on this item (an index into the caller's lines).
    Chosen(usize),
    /// Space on this item.
    Toggled(usize),
    /// Esc: close.
    Closed,
    /// Enter or Space with nothing under the cursor.
    Nothing,
    /// A key the list does not handle (the caller may).
    Unhandled,
}

impl FuzzyList {
    /// Every line matches the empty query.
    pub fn new(lines: &[String]) -> Self {
        Self {
            query: String::new(),
            matches: (0..lines.len()).collect(),
            selected: 0,
        }
    }

    /// Re-ranks after the lines or the query changed; the cursor goes to the best match.
    pub fn refilter(&mut self, lines: &[String]) {
        self.matches = matching::rank(lines, &self.query);
        self.selected = 0;
    }

    /// The caller's index of the item under the cursor.
    pub fn current(&self) -> Option<usize> {
        self.matches.get(self.selected).copied()
    }

    fn step(&mut self, delta: isize) {
        if self.matches.is_empty() {
            return;
        }
        let last = self.matches.len() as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, last) as usize;
    }

    /// Applies a key.
    pub fn handle(&mut self, cmd: &Command, lines: &[String]) -> ListEvent {
        match cmd {
            Command::Input(c) => {
                self.query.push(*c);
                self.refilter(lines);
            }
            Command::Backspace => {
                self.query.pop();
                self.refilter(lines);
            }
            Command::Down => self.step(1),
            Command::Up => self.step(-1),
            Command::PageDown => self.step(PAGE as isize),
            Command::PageUp => self.step(-(PAGE as isize)),
            Command::Back => return ListEvent::Closed,
            Command::Accept => return self.current().map_or(ListEvent::Nothing, ListEvent::Chosen),
            Command::Toggle => {
                return self
                    .current()
                    .map_or(ListEvent::Nothing, ListEvent::Toggled);
            }
            _ => return ListEvent::Unhandled,
        }
        ListEvent::Moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("item-{i:02}")).collect()
    }

    #[test]
    fn keys_move_filter_and_choose() {
        let items = lines(30);
        let mut l = FuzzyList::new(&items);
        assert_eq!(l.handle(&Command::PageDown, &items), ListEvent::Moved);
        assert_eq!(l.selected, PAGE);
        l.handle(&Command::PageDown, &items);
        l.handle(&Command::PageDown, &items);
        assert_eq!(l.selected, 29, "stops at the last");
        l.handle(&Command::PageUp, &items);
        assert_eq!(l.selected, 29 - PAGE);
        for c in "25".chars() {
            l.handle(&Command::Input(c), &items);
        }
        assert_eq!(l.current(), Some(25));
        assert_eq!(l.handle(&Command::Accept, &items), ListEvent::Chosen(25));
        assert_eq!(l.handle(&Command::Toggle, &items), ListEvent::Toggled(25));
        l.handle(&Command::Input('x'), &items);
        assert!(l.matches.is_empty());
        assert_eq!(l.handle(&Command::Accept, &items), ListEvent::Nothing);
        assert_eq!(l.handle(&Command::Back, &items), ListEvent::Closed);
        assert_eq!(l.handle(&Command::Refresh, &items), ListEvent::Unhandled);
    }
}
