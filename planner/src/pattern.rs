//! Chat alias patterns (`deploy {service} to {env=staging}`) and the tokenizer for what people
//! type.
//!
//! A pattern is a sequence of whitespace-separated segments: literal words, matched
//! case-insensitively, and placeholders `{name}` / `{name=default}`, each capturing one word or
//! one quoted string (`"..."`, `'...'`, or typographic quotes). Whitespace between tokens is
//! free, and so are plain words ("please", "the"; see `plain`): a segment passes over them
//! unless it is a literal word that spells them.
//!
//! **Optional trailing segments.** Only the tail of a pattern can be left out, one group at a
//! time from the end. A group is a placeholder with a default together with the literal words
//! between it and the previous placeholder (`to {env=staging}`); when there is no previous
//! placeholder the group is the placeholder alone, because the leading words name the command
//! (`restart {service=web}` accepts `restart`). So `deploy {service} to {env=staging} as
//! {version=1}` accepts the full form, `deploy {service} to {env}` and `deploy {service}`. A
//! defaulted placeholder followed by a required one must be written; its default only documents
//! intent. A half-written group (`deploy web to`) matches no form.

/// One segment of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// A literal word, lowercased.
    Word(String),
    Slot {
        name: String,
        default: Option<String>,
    },
}

/// A compiled alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AliasPattern {
    /// The alias as written in the document.
    pub text: String,
    pub segments: Vec<Segment>,
    /// The accepted numbers of leading segments, longest (the full pattern) first.
    pub forms: Vec<usize>,
}

/// A value taken from the text (or from the pattern's default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Capture {
    pub name: String,
    pub raw: String,
    pub quoted: bool,
    pub from_default: bool,
}

/// A word or a quoted string from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub text: String,
    pub quoted: bool,
    /// A plain word ("please", "the") that a phrasing may pass over; see `plain`.
    pub filler: bool,
}

impl Token {
    pub fn lower(&self) -> String {
        self.text.to_lowercase()
    }
}

fn valid_slot_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 64
}

impl AliasPattern {
    pub fn compile(text: &str) -> Result<Self, String> {
        let mut segments = Vec::new();
        for word in text.split_whitespace() {
            if let Some(inner) = word.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                let (name, default) = match inner.split_once('=') {
                    Some((n, d)) => (n, Some(d)),
                    None => (inner, None),
                };
                if !valid_slot_name(name) {
                    return Err(format!("alias `{text}`: `{{{inner}}}` is not a placeholder name"));
                }
                if default.is_some_and(|d| d.is_empty() || d.contains(['{', '}'])) {
                    return Err(format!("alias `{text}`: the default of `{name}` is empty or malformed"));
                }
                if segments.iter().any(|s| matches!(s, Segment::Slot { name: n, .. } if n == name)) {
                    return Err(format!("alias `{text}`: `{name}` appears twice"));
                }
                segments.push(Segment::Slot { name: name.to_string(), default: default.map(str::to_string) });
            } else if word.contains(['{', '}']) {
                return Err(format!("alias `{text}`: placeholders must be whole words (`{word}`)"));
            } else {
                segments.push(Segment::Word(word.to_lowercase()));
            }
        }
        if !segments.iter().any(|s| matches!(s, Segment::Word(_))) {
            // A pattern of placeholders only would match any text of that many words.
            return Err(format!("alias `{text}` needs at least one literal word"));
        }
        let forms = forms(&segments);
        Ok(Self { text: text.to_string(), segments, forms })
    }

    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Word(w) => Some(w.as_str()),
            Segment::Slot { .. } => None,
        })
    }

    pub fn slot_names(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Slot { name, .. } => Some(name.as_str()),
            Segment::Word(_) => None,
        })
    }

    /// Literal words among the first `len` segments: the more, the more specific a match.
    pub fn words_in(&self, len: usize) -> usize {
        self.segments.iter().take(len).filter(|s| matches!(s, Segment::Word(_))).count()
    }

    /// Captures when `tokens` match the form of `len` segments, with nothing but plain words
    /// left over; the left-out tail contributes its defaults.
    pub fn match_form(&self, len: usize, tokens: &[Token]) -> Option<Vec<Capture>> {
        let (mut captures, used) = self.walk(len, tokens)?;
        if tokens[used..].iter().any(|t| !t.filler) {
            return None;
        }
        for seg in &self.segments[len..] {
            if let Segment::Slot { name, default: Some(d) } = seg {
                captures.push(Capture { name: name.clone(), raw: d.clone(), quoted: false, from_default: true });
            }
        }
        Some(captures)
    }

    /// How many tokens the form of `len` segments takes from the start of `tokens`, when it
    /// matches there and words other than plain ones are left over.
    pub fn match_start(&self, len: usize, tokens: &[Token]) -> Option<usize> {
        let (_, used) = self.walk(len, tokens)?;
        tokens[used..].iter().any(|t| !t.filler).then_some(used)
    }

    /// How far `tokens` follow the pattern from its start, stopping at the first mismatch or at
    /// the end of either.
    pub fn prefix_match(&self, tokens: &[Token]) -> Prefix {
        let mut at = 0;
        let mut prefix = Prefix { segments: 0, words: 0, whole: false };
        for seg in &self.segments {
            let Some(next) = step(seg, tokens, at) else { break };
            at = next;
            prefix.segments += 1;
            if matches!(seg, Segment::Word(_)) {
                prefix.words += 1;
            }
        }
        prefix.whole = tokens[at..].iter().all(|t| t.filler);
        prefix
    }

    /// The values the first `len` segments take from the start of `tokens` (a prefix as far as
    /// [`Self::prefix_match`] found it); none when they do not match there.
    pub fn prefix_captures(&self, len: usize, tokens: &[Token]) -> Vec<Capture> {
        self.walk(len, tokens).map(|(c, _)| c).unwrap_or_default()
    }

    /// Matches the first `len` segments against the start of `tokens`: the captures, and how
    /// many tokens were taken (plain words after the last segment are not).
    fn walk(&self, len: usize, tokens: &[Token]) -> Option<(Vec<Capture>, usize)> {
        let mut captures = Vec::new();
        let mut at = 0;
        for seg in self.segments.get(..len)? {
            let next = step(seg, tokens, at)?;
            if let Segment::Slot { name, .. } = seg {
                let tok = &tokens[next - 1];
                captures.push(Capture {
                    name: name.clone(),
                    raw: tok.text.clone(),
                    quoted: tok.quoted,
                    from_default: false,
                });
            }
            at = next;
        }
        Some((captures, at))
    }

    /// The first placeholder at or after segment `from`.
    pub fn slot_at_or_after(&self, from: usize) -> Option<&str> {
        self.segments.iter().skip(from).find_map(|s| match s {
            Segment::Slot { name, .. } => Some(name.as_str()),
            Segment::Word(_) => None,
        })
    }
}

/// How far a text follows a pattern from its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Prefix {
    /// Segments matched.
    pub segments: usize,
    /// Literal words among them.
    pub words: usize,
    /// Nothing but plain words is left of the text.
    pub whole: bool,
}

/// One segment against the tokens from `at`: a literal word takes a token that spells it, a
/// placeholder takes any token but a plain word, and plain words are passed over on the way.
/// The index after the token taken; `None` at a word that is not the segment's, or when no
/// tokens are left.
fn step(seg: &Segment, tokens: &[Token], mut at: usize) -> Option<usize> {
    loop {
        let tok = tokens.get(at)?;
        match seg {
            Segment::Word(w) if !tok.quoted && tok.lower() == *w => return Some(at + 1),
            _ if tok.filler => at += 1,
            Segment::Word(_) => return None,
            Segment::Slot { .. } => return Some(at + 1),
        }
    }
}

/// Accepted lengths: the full pattern, then each trailing optional group dropped in turn.
fn forms(segments: &[Segment]) -> Vec<usize> {
    let mut out = vec![segments.len()];
    let mut end = segments.len();
    while end > 0 {
        let Some(Segment::Slot { default: Some(_), .. }) = segments.get(end - 1) else { break };
        let previous_slot = segments[..end - 1].iter().rposition(|s| matches!(s, Segment::Slot { .. }));
        let cut = match previous_slot {
            Some(p) => p + 1,
            None => end - 1,
        };
        if cut == 0 {
            break;
        }
        out.push(cut);
        end = cut;
    }
    out
}

/// Whether `c` opens a quoted value, and the character that closes it.
fn closing_quote(c: char) -> Option<char> {
    match c {
        '"' => Some('"'),
        '\'' => Some('\''),
        '\u{201c}' => Some('\u{201d}'),
        '\u{2018}' => Some('\u{2019}'),
        _ => None,
    }
}

/// Splits chat text into words and quoted strings. Trailing sentence punctuation (`.`, `!`,
/// `?`) and commas or semicolons after a word are dropped; an unclosed quote runs to the end.
pub(crate) fn tokenize(input: &str) -> Vec<Token> {
    let trimmed = input.trim().trim_end_matches(['.', '!', '?']).trim_end();
    let chars: Vec<char> = trimmed.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if let Some(close) = closing_quote(c) {
            let start = i + 1;
            let end = chars[start..].iter().position(|&x| x == close).map(|p| start + p);
            let stop = end.unwrap_or(chars.len());
            let text: String = chars[start..stop].iter().collect();
            tokens.push(Token { text: text.trim().to_string(), quoted: true, filler: false });
            i = end.map_or(chars.len(), |e| e + 1);
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        let word = word.trim_end_matches([',', ';']);
        if !word.is_empty() {
            tokens.push(Token { text: word.to_string(), quoted: false, filler: false });
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<(String, bool)> {
        tokenize(s).into_iter().map(|t| (t.text, t.quoted)).collect()
    }

    #[test]
    fn tokenizer_handles_quotes_and_punctuation() {
        assert_eq!(words("  deploy   web  "), vec![("deploy".into(), false), ("web".into(), false)]);
        assert_eq!(
            words("open a ticket \"disk is full\"!"),
            vec![("open".into(), false), ("a".into(), false), ("ticket".into(), false), ("disk is full".into(), true)]
        );
        assert_eq!(words("say 'hi there"), vec![("say".into(), false), ("hi there".into(), true)]);
        assert_eq!(
            words("enable \u{201c}dark mode\u{201d}"),
            vec![("enable".into(), false), ("dark mode".into(), true)]
        );
        assert_eq!(
            words("deploy web, now?"),
            vec![("deploy".into(), false), ("web".into(), false), ("now".into(), false)]
        );
        assert!(tokenize("?!").is_empty());
    }

    #[test]
    fn optional_groups_are_trailing() {
        let p = AliasPattern::compile("deploy {service} to {env=staging}").unwrap();
        assert_eq!(p.forms, vec![4, 2]);
        let p = AliasPattern::compile("deploy {service} to {env=staging} as {version=1}").unwrap();
        assert_eq!(p.forms, vec![6, 4, 2]);
        let p = AliasPattern::compile("restart {service=web}").unwrap();
        assert_eq!(p.forms, vec![2, 1]);
        let p = AliasPattern::compile("scale {service=web} to {replicas}").unwrap();
        assert_eq!(p.forms, vec![4]);
        let p = AliasPattern::compile("open a ticket {title}").unwrap();
        assert_eq!(p.forms, vec![4]);
    }

    #[test]
    fn bad_patterns_are_refused() {
        assert!(AliasPattern::compile("{service}").is_err());
        assert!(AliasPattern::compile("deploy {ser vice}").is_err());
        assert!(AliasPattern::compile("deploy {9x}").is_err());
        assert!(AliasPattern::compile("deploy {s} to {s}").is_err());
        assert!(AliasPattern::compile("deploy x{s}").is_err());
        assert!(AliasPattern::compile("deploy {s=}").is_err());
        assert!(AliasPattern::compile("").is_err());
    }

    #[test]
    fn matching_fills_defaults_of_dropped_groups() {
        let p = AliasPattern::compile("deploy {service} to {env=staging}").unwrap();
        let caps = p.match_form(2, &tokenize("DEPLOY web")).unwrap();
        assert_eq!(caps.len(), 2);
        assert_eq!((caps[1].name.as_str(), caps[1].raw.as_str(), caps[1].from_default), ("env", "staging", true));
        assert!(p.match_form(4, &tokenize("deploy web to")).is_none());
        assert!(p.match_form(4, &tokenize("deploy web \"to\" prod")).is_none());
        assert_eq!(p.prefix_match(&tokenize("deploy web to")), Prefix { segments: 3, words: 2, whole: true });
        assert_eq!(p.prefix_match(&tokenize("deploy web at")), Prefix { segments: 2, words: 1, whole: false });
        assert_eq!(p.slot_at_or_after(3), Some("env"));
    }
}
