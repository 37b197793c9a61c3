//! Action-name globs: `*` matches within one dotted segment, `**` matches anything.

/// Whether `name` matches `pattern`.
pub fn matches(pattern: &str, name: &str) -> bool {
    fn rec(p: &[u8], n: &[u8]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => {
                let rest = &p[2..];
                (0..=n.len()).any(|i| rec(rest, &n[i..]))
            }
            Some(b'*') => {
                let rest = &p[1..];
                let mut i = 0;
                loop {
                    if rec(rest, &n[i..]) {
                        return true;
                    }
                    if i >= n.len() || n[i] == b'.' {
                        return false;
                    }
                    i += 1;
                }
            }
            Some(c) => n.first() == Some(c) && rec(&p[1..], &n[1..]),
        }
    }
    // Patterns are short (validated names); the recursion is bounded by their length.
    if pattern.len() > 200 || name.len() > 200 {
        return false;
    }
    rec(pattern.as_bytes(), name.as_bytes())
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
