//! Action-name globs: `*` matches within one dotted segment, `**` matches anything.

/// Whether `name` matches `pattern`.
///
/// Dynamic programming over (pattern token, name position): the work is the product of the
/// two lengths, whatever the stars. (Backtracking, which tries every split of the name for
/// every star, grows like the name's length to the power of the number of stars.)
pub fn matches(pattern: &str, name: &str) -> bool {
    #[derive(Clone, Copy)]
    enum Token {
        Byte(u8),
        /// `*`: any run of characters within one segment.
        Star,
        /// `**`: any run of characters, dots included.
        AnyStar,
    }
    if pattern.len() > 200 || name.len() > 200 {
        return false;
    }
    if !pattern.contains('*') {
        return pattern == name;
    }
    let mut tokens = Vec::with_capacity(pattern.len());
    let p = pattern.as_bytes();
    let mut i = 0;
    while i < p.len() {
        match (p[i], p.get(i + 1)) {
            (b'*', Some(b'*')) => {
                tokens.push(Token::AnyStar);
                i += 2;
            }
            (b'*', _) => {
                tokens.push(Token::Star);
                i += 1;
            }
            (b, _) => {
                tokens.push(Token::Byte(b));
                i += 1;
            }
        }
    }
    let n = name.as_bytes();
    // `after[j]`: the tokens after the current one match `n[j..]`.
    let mut after = vec![false; n.len() + 1];
    after[n.len()] = true;
    let mut here = vec![false; n.len() + 1];
    for token in tokens.iter().rev() {
        for j in (0..=n.len()).rev() {
            here[j] = match token {
                Token::Byte(b) => j < n.len() && n[j] == *b && after[j + 1],
                Token::Star => after[j] || (j < n.len() && n[j] != b'.' && here[j + 1]),
                Token::AnyStar => after[j] || (j < n.len() && here[j + 1]),
            };
        }
        std::mem::swap(&mut after, &mut here);
    }
    after[0]
}

pub fn is_glob(pattern: &str) -> bool {
    pattern.contains('*')
}

/// Whether every name matched by `b` is matched by `a` (conservative: `false` when unsure).
pub fn covers(a: &str, b: &str) -> bool {
    if a == b || a == "**" {
        return true;
    }
    if !is_glob(b) {
        return matches(a, b);
    }
    // `deploy.*` covers `deploy.web*`-like patterns only when the prefix agrees and no dot
    // could follow; keep to the clear cases.
    match (a.strip_suffix(".**"), b.strip_suffix(".*")) {
        (Some(pa), Some(pb)) => pb == pa || pb.starts_with(&format!("{pa}.")),
        _ => a == "*" && b == "*",
    }
}

/// An action name: lowercase dotted segments (`deploy.web`, `state.set`).
pub fn valid_action_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name.split('.').all(|seg| {
            !seg.is_empty()
                && seg.starts_with(|c: char| c.is_ascii_lowercase())
                && seg.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        })
}

pub fn valid_glob(pattern: &str) -> bool {
    pattern == "*"
        || pattern == "**"
        || (pattern.len() <= 100
            && pattern.split('.').all(|seg| {
                seg == "*"
                    || seg == "**"
                    || (!seg.is_empty()
                        && seg
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' || c == '*'))
            }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_stays_in_its_segment() {
        assert!(matches("deploy.*", "deploy.web"));
        assert!(!matches("deploy.*", "deploy.web.canary"));
        assert!(matches("deploy.**", "deploy.web.canary"));
        assert!(matches("*", "deploy"));
        assert!(!matches("*", "deploy.web"));
        assert!(matches("**", "deploy.web"));
        assert!(matches("*.restart", "web.restart"));
        assert!(matches("deploy.w*", "deploy.web"));
        assert!(!matches("deploy.*", "deployment.web"));
        assert!(matches("state.set", "state.set"));
    }

    #[test]
    fn coverage_is_conservative() {
        assert!(covers("**", "deploy.*"));
        assert!(covers("deploy.*", "deploy.web"));
        assert!(covers("deploy.**", "deploy.*"));
        assert!(!covers("deploy.*", "deploy.**"));
        assert!(!covers("deploy.web", "deploy.*"));
    }

    #[test]
    fn names() {
        assert!(valid_action_name("deploy.web"));
        assert!(valid_action_name("state.set"));
        assert!(!valid_action_name("Deploy.web"));
        assert!(!valid_action_name("deploy..web"));
        assert!(valid_glob("deploy.*"));
        assert!(valid_glob("**"));
        assert!(!valid_glob("deploy web"));
    }
}
