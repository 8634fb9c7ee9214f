//! What AWS names look like: checks shared by the command line, the config
//! file and the session (a leaf: it uses nothing of rolecall's).

/// An account id: twelve digits.
pub fn valid_account_id(id: &str) -> bool {
    id.len() == 12 && id.chars().all(|c| c.is_ascii_digit())
}

/// Region names as AWS makes them: a partition-and-area prefix of two to four
/// letters (`us`, `eusc`), more lowercase parts, and a number (`eusc-de-east-1`).
pub fn valid_region_name(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && (2..=4).contains(&parts[0].len())
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}
