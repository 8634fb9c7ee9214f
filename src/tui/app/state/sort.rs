//! The instance list's order: which column it is sorted by (`s` cycles),
//! and which way (`S` reverses). Ties fall back to account, region, id, so
//! the order is total and stable across refreshes.

use std::cmp::Ordering;

use super::Row;

/// The column the list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortColumn {
    /// Account (in the session's order), region, instance id.
    #[default]
    Place,
    Name,
    State,
    Profile,
    Association,
    LaunchTime,
}

impl SortColumn {
    /// The next column `s` moves to.
    pub fn next(self) -> Self {
        match self {
            Self::Place => Self::Name,
            Self::Name => Self::State,
            Self::State => Self::Profile,
            Self::Profile => Self::Association,
            Self::Association => Self::LaunchTime,
            Self::LaunchTime => Self::Place,
        }
    }

    /// What the footer calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Place => "region and instance",
            Self::Name => "name",
            Self::State => "state",
            Self::Profile => "profile",
            Self::Association => "association state",
            Self::LaunchTime => "launch time",
        }
    }

    /// The column title that carries the arrow (launch time has no column:
    /// the arrow goes on INSTANCE, and the footer names it).
    pub fn header(self) -> &'static str {
        match self {
            Self::Place | Self::LaunchTime => "INSTANCE",
            Self::Name => "NAME",
            Self::State => "STATE",
            Self::Profile => "PROFILE",
            Self::Association => "ASSOC",
        }
    }
}

/// How the list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sort {
    pub column: SortColumn,
    pub descending: bool,
}

impl Sort {
    /// True when an association change can move rows.
    pub fn depends_on_associations(&self) -> bool {
        matches!(self.column, SortColumn::Profile | SortColumn::Association)
    }

    /// Orders two rows; `account_order` places an account key in the session's order.
    pub fn compare(&self, a: &Row, b: &Row, account_order: &dyn Fn(&str) -> usize) -> Ordering {
        let (ia, ib) = (&a.data.instance, &b.data.instance);
        let place = || {
            (account_order(&ia.account), &ia.region, &ia.id).cmp(&(
                account_order(&ib.account),
                &ib.region,
                &ib.id,
            ))
        };
        let profile = |r: &Row| {
            r.data
                .association
                .as_ref()
                .filter(|x| x.state.is_active())
                .map(|x| x.profile.name.clone())
        };
        let primary = match self.column {
            SortColumn::Place => Ordering::Equal,
            // Unnamed instances last, whichever way.
            SortColumn::Name => match (a.name.is_empty(), b.name.is_empty()) {
                (false, true) => Ordering::Less,
                (true, false) => Ordering::Greater,
                _ => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            },
            SortColumn::State => ia.state.as_str().cmp(ib.state.as_str()),
            SortColumn::Profile => profile(a).cmp(&profile(b)),
            SortColumn::Association => {
                let state = |r: &Row| r.data.association.as_ref().map(|x| x.state.as_str());
                state(a).cmp(&state(b))
            }
            SortColumn::LaunchTime => ia.launch_time.cmp(&ib.launch_time),
        };
        let primary = if self.descending {
            primary.reverse()
        } else {
            primary
        };
        primary.then_with(|| {
            if self.column == SortColumn::Place && self.descending {
                place().reverse()
            } else {
                place()
            }
        })
    }
}
