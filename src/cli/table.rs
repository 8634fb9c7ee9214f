//! `--output table`: aligned columns for people; cells cut, controls removed.

use crate::aws::text::{sanitize, truncate};
use crate::core::inventory::InstanceRow;

use super::Report;

/// The widest a table cell gets; longer values end in `…` (json keeps them whole).
pub const MAX_CELL: usize = 256;

/// Aligned columns, two spaces apart, control characters removed, cells cut
/// to [`MAX_CELL`] characters.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| truncate(&sanitize(c), MAX_CELL)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            s.push_str(c);
            if i + 1 < cells.len() {
                // Padded by hand: format!'s width is limited to u16.
                let pad = w.saturating_sub(c.chars().count()) + 2;
                s.extend(std::iter::repeat_n(' ', pad));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(headers.to_vec());
    for r in &rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

fn or_dash(s: Option<String>) -> String {
    s.unwrap_or_else(|| "-".into())
}

/// A profile ARN as a table cell: its name, or `-` for none.
pub fn profile_cell(arn: Option<&str>) -> String {
    or_dash(arn.map(|a| crate::aws::profile_name_from_arn(a).to_string()))
}

/// `list`: REGION, INSTANCE, NAME, STATE, PROFILE, ASSOCIATION STATE, and
/// ACCOUNT first when several accounts are shown.
pub fn list_table(rows: &[InstanceRow], names: &super::Names) -> String {
    let several = names.several();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let a = r.association.as_ref();
            let mut cells = vec![
                r.instance.region.clone(),
                r.instance.id.clone(),
                or_dash(r.instance.name.clone()),
                r.instance.state.to_string(),
                or_dash(a.map(|a| a.profile.name.clone())),
                or_dash(a.map(|a| a.state.to_string())),
            ];
            if several {
                cells.insert(0, names.label(&r.instance.account));
            }
            cells
        })
        .collect();
    let mut header = vec![
        "REGION",
        "INSTANCE",
        "NAME",
        "STATE",
        "PROFILE",
        "ASSOCIATION STATE",
    ];
    if several {
        header.insert(0, "ACCOUNT");
    }
    table(&header, &body)
}

/// `set` and `detach`: one row saying what happened.
pub fn report_table(r: &Report) -> String {
    let a = r.association.as_ref();
    let row = vec![
        r.region.clone(),
        r.instance_id.clone(),
        r.action.to_string(),
        profile_cell(r.previous_profile_arn.as_deref()),
        or_dash(a.map(|a| a.profile.name.clone())),
        or_dash(a.map(|a| a.id.clone())),
        or_dash(a.map(|a| a.state.to_string())),
    ];
    table(
        &[
            "REGION",
            "INSTANCE",
            "ACTION",
            "FROM",
            "PROFILE",
            "ASSOCIATION",
            "ASSOCIATION STATE",
        ],
        &[row],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_and_strips_controls() {
        let t = table(
            &["A", "BB"],
            &[
                vec!["x\x1b".into(), "y".into()],
                vec!["long".into(), "z".into()],
            ],
        );
        assert_eq!(t, "A     BB\nx     y\nlong  z\n");
    }

    #[test]
    fn table_cuts_huge_cells_instead_of_panicking() {
        let huge = "x".repeat(70_000);
        let t = table(&["A", "B"], &[vec![huge, "y".into()]]);
        let row = t.lines().nth(1).unwrap();
        assert!(row.starts_with(&"x".repeat(MAX_CELL - 1)), "{row}");
        assert!(row.ends_with("…  y"), "{row}");
        assert_eq!(row.chars().count(), MAX_CELL + 3);
    }
}
