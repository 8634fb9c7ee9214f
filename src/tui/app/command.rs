//! What a key (or a click) asks for, whichever key it was: the vocabulary
//! keymap produces and update and the fuzzy lists consume.

/// What a key asks for, independent of which key it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Quit,
    /// w, asked whether to quit during a batch: wait for the changes in
    /// flight, start no more, then quit.
    WaitAndQuit,
    Up,
    Down,
    First,
    Last,
    PageUp,
    PageDown,
    FocusNext,
    StartFilter,
    OpenPicker,
    Detach,
    OpenRegions,
    /// a: the account picker.
    OpenAccounts,
    /// c / C / R: copy the instance id / the profile ARN / the role ARN.
    CopyInstanceId,
    CopyProfileArn,
    CopyRoleArn,
    /// i: the detail pane as an overlay (a narrow terminal folds it away).
    ShowDetail,
    /// s: sort by the next column.
    SortNext,
    /// S: reverse the order.
    SortReverse,
    Refresh,
    /// Space: mark or unmark the selected instance.
    Mark,
    /// A: mark every instance shown, or unmark them all.
    MarkAll,
    /// Q: put the marked (or selected) instances on the quarantine profile.
    Quarantine,
    /// u: undo the latest batch of this account.
    Undo,
    /// J: the journal.
    ShowJournal,
    /// p: the permissions of the selected instance's role.
    Permissions,
    /// h: who changed the selected instance's profile (CloudTrail).
    ShowHistory,
    /// e: associations changed outside rolecall.
    ShowOutside,
    /// b: only the instances that run with the selected instance's role.
    BlastRadius,
    /// K: revoke the older sessions of a role.
    Revoke,
    /// `X`: contain the selected (or marked) instances.
    Contain,
    /// `I`: the containment cases.
    ShowCases,
    /// P: the instance profiles view.
    ShowProfiles,
    Help,
    /// Esc: close the overlay, or clear the filter.
    Back,
    /// Enter inside an overlay or the filter.
    Accept,
    Toggle,
    Input(char),
    Backspace,
    Yes,
    No,
    Nothing,
}
