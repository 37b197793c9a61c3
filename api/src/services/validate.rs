//! Input checks shared by services. Each error names the field it is about.

use crate::error::{Error, Result};

/// Slugs: 2-40 characters, lowercase letters, digits and `-`, starting with a letter.
pub fn slug(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    let ok = (2..=40).contains(&v.len())
        && v.starts_with(|c: char| c.is_ascii_lowercase())
        && v.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !v.ends_with('-');
    if ok {
        Ok(v.to_string())
    } else {
        Err(Error::validation(
            field,
            "must be 2-40 characters of lowercase letters, digits and '-', starting with a letter",
        ))
    }
}

/// Display names: 1-100 characters after trimming, no control characters.
pub fn name(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > 100 || v.chars().any(char::is_control) {
        return Err(Error::validation(field, "must be 1-100 characters without control characters"));
    }
    Ok(v.to_string())
}

/// Free text: at most `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<String> {
    if value.chars().count() > max {
        return Err(Error::validation(field, format!("must be at most {max} characters")));
    }
    Ok(value.trim().to_string())
}

/// E-mail addresses, normalized to lowercase.
pub fn email(field: &str, value: &str) -> Result<String> {
    let v = value.trim().to_ascii_lowercase();
    let ok = v.len() <= 254
        && !v.chars().any(|c| c.is_whitespace() || c.is_control())
        && v.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        });
    if ok { Ok(v) } else { Err(Error::validation(field, "must be an e-mail address")) }
}

/// Parses a prefixed id, naming the field when it does not parse.
pub fn id<T: std::str::FromStr>(field: &str, value: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    value.parse::<T>().map_err(|e| Error::validation(field, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for good in ["ab", "payments", "web-2", "a1"] {
            assert_eq!(slug("slug", good).unwrap(), good);
        }
        for bad in ["a", "Payments", "2web", "web_", "web-", "x".repeat(41).as_str(), "we b"] {
            let e = slug("slug", bad).unwrap_err();
            assert_eq!(e.code(), "VALIDATION", "{bad}");
        }
    }

    #[test]
    fn emails_and_names() {
        assert_eq!(email("email", " Alice@Demo.TEST ").unwrap(), "alice@demo.test");
        for bad in ["alice", "@demo.test", "a@b", "a b@c.d", "a@.c"] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
        assert!(name("name", "  ").is_err());
        assert!(name("name", "ok\u{7}").is_err());
        assert_eq!(name("name", " Web ").unwrap(), "Web");
    }
}
