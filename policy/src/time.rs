//! Time in policies: execution windows (weekdays and local times in a time zone, overnight
//! windows, DST-correct), blackouts, and durations such as `24h`.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::document::{Blackout, Window};

pub fn parse_tz(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>().map_err(|_| format!("`{name}` is not an IANA time zone (e.g. Europe/Berlin, UTC)"))
}

pub fn parse_hhmm(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| format!("`{s}` is not a time of day as HH:MM"))
}

/// `90s`, `30m`, `24h`, `7d`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("`{s}` is not a duration such as 30m, 24h or 7d");
    let s = s.trim();
    // The unit is the last character, whatever its width in bytes.
    let Some(last) = s.chars().last() else { return Err(bad()) };
    let (n, unit) = s.split_at(s.len() - last.len_utf8());
    if n.is_empty() {
        return Err(bad());
    }
    let n: i64 = n.parse().map_err(|_| bad())?;
    if n <= 0 || n > 100_000 {
        return Err(bad());
    }
    Ok(match unit {
        "s" => Duration::seconds(n),
        "m" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        _ => return Err(bad()),
    })
}

/// A window, parsed.
#[derive(Debug, Clone)]
pub struct WindowSpec {
    pub days: Vec<chrono::Weekday>,
    pub from: NaiveTime,
    pub to: NaiveTime,
    pub tz: Tz,
}

impl WindowSpec {
    pub fn parse(w: &Window) -> Result<Self, String> {
        Ok(Self {
            days: w.days.iter().map(|d| d.chrono()).collect(),
            from: parse_hhmm(&w.from)?,
            to: parse_hhmm(&w.to)?,
            tz: parse_tz(&w.timezone)?,
        })
    }

    /// A window with no days, or with `from == to`, never opens.
    pub fn never_opens(&self) -> bool {
        self.days.is_empty() || self.from == self.to
    }

    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        if self.never_opens() {
            return false;
        }
        let local = now.with_timezone(&self.tz);
        let t = local.time();
        let day = local.weekday();
        if self.from < self.to {
            self.days.contains(&day) && t >= self.from && t < self.to
        } else {
            // Overnight: opens on a listed day at `from`, closes the next morning at `to`.
            (self.days.contains(&day) && t >= self.from) || (self.days.contains(&day.pred()) && t < self.to)
        }
    }

    /// The next moment at or after `now` when the window is open (within two weeks).
    pub fn next_open(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.never_opens() {
            return None;
        }
        if self.is_open(now) {
            return Some(now);
        }
        let today = now.with_timezone(&self.tz).date_naive();
        (0..15)
            .filter_map(|offset| today.checked_add_signed(Duration::days(offset)))
            .filter(|d| self.days.contains(&d.weekday()))
            .filter_map(|d| local_instant(self.tz, d, self.from))
            .find(|t| *t > now)
    }
}

/// The instant of a local date and time; a time skipped by a DST change moves to the first
/// valid minute after it, an ambiguous one takes the earlier instant.
pub fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    let mut t = date.and_time(time);
    for _ in 0..180 {
        match tz.from_local_datetime(&t) {
            LocalResult::Single(x) => return Some(x.with_timezone(&Utc)),
            LocalResult::Ambiguous(a, _) => return Some(a.with_timezone(&Utc)),
            LocalResult::None => t += Duration::minutes(1),
        }
    }
    None
}

/// A blackout, parsed into an interval `[from, to)`.
#[derive(Debug, Clone)]
pub struct BlackoutSpec {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

fn parse_bound(s: &str, tz: Tz, end: bool) -> Result<DateTime<Utc>, String> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is neither a date (YYYY-MM-DD) nor an RFC 3339 date-time"))?;
    // A date as the end of a blackout includes that whole day.
    let date = if end { date.succ_opt().ok_or_else(|| format!("`{s}` is out of range"))? } else { date };
    local_instant(tz, date, NaiveTime::MIN).ok_or_else(|| format!("`{s}` does not exist in {tz}"))
}

impl BlackoutSpec {
    pub fn parse(b: &Blackout) -> Result<Self, String> {
        let tz = parse_tz(&b.timezone)?;
        let from = parse_bound(&b.from, tz, false)?;
        let to = parse_bound(&b.to, tz, true)?;
        if to <= from {
            return Err(format!("the blackout ends ({}) before it starts ({})", b.to, b.from));
        }
        Ok(Self { from, to })
    }

    pub fn active(&self, now: DateTime<Utc>) -> bool {
        now >= self.from && now < self.to
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Weekday;

    fn window(days: &[Weekday], from: &str, to: &str, tz: &str) -> WindowSpec {
        WindowSpec::parse(&Window {
            name: None,
            actions: vec!["*".into()],
            days: days.to_vec(),
            from: from.into(),
            to: to.into(),
            timezone: tz.into(),
        })
        .unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn office_hours_in_berlin_across_dst() {
        use Weekday::*;
        let w = window(&[Mon, Tue, Wed, Thu, Fri], "09:00", "17:00", "Europe/Berlin");
        // Winter (UTC+1): 09:00 Berlin is 08:00Z. Exact boundaries: open at from, closed at to.
        assert!(!w.is_open(utc("2026-03-27T07:59:59Z")));
        assert!(w.is_open(utc("2026-03-27T08:00:00Z")));
        assert!(w.is_open(utc("2026-03-27T15:59:59Z")));
        assert!(!w.is_open(utc("2026-03-27T16:00:00Z")));
        // DST starts Sunday 2026-03-29; on Monday 09:00 Berlin is 07:00Z.
        assert!(w.is_open(utc("2026-03-30T07:00:00Z")));
        assert!(!w.is_open(utc("2026-03-30T06:59:59Z")));
        // Friday evening: the next opening is Monday 09:00 Berlin, after the DST change.
        assert_eq!(w.next_open(utc("2026-03-27T18:00:00Z")), Some(utc("2026-03-30T07:00:00Z")));
        // DST ends Sunday 2026-10-25: Monday 09:00 Berlin is 08:00Z again.
        assert_eq!(w.next_open(utc("2026-10-23T17:00:00Z")), Some(utc("2026-10-26T08:00:00Z")));
    }

    #[test]
    fn overnight_windows_span_midnight() {
        use Weekday::*;
        let w = window(&[Sat], "22:00", "02:00", "UTC");
        assert!(w.is_open(utc("2026-11-28T22:00:00Z"))); // Saturday night
        assert!(w.is_open(utc("2026-11-29T01:59:00Z"))); // into Sunday
        assert!(!w.is_open(utc("2026-11-29T02:00:00Z")));
        assert!(!w.is_open(utc("2026-11-28T21:59:59Z")));
        assert!(!w.is_open(utc("2026-11-27T23:00:00Z"))); // Friday night is not listed
        assert_eq!(w.next_open(utc("2026-11-24T12:00:00Z")), Some(utc("2026-11-28T22:00:00Z")));
    }

    #[test]
    fn a_window_at_a_skipped_hour_opens_after_the_gap() {
        use Weekday::*;
        // 02:30 does not exist in Berlin on 2026-03-29.
        let w = window(&[Sun], "02:30", "04:00", "Europe/Berlin");
        assert_eq!(w.next_open(utc("2026-03-28T12:00:00Z")), Some(utc("2026-03-29T01:00:00Z")));
    }

    #[test]
    fn windows_that_never_open() {
        assert!(window(&[], "09:00", "17:00", "UTC").never_opens());
        assert!(window(&[Weekday::Mon], "09:00", "09:00", "UTC").never_opens());
        assert_eq!(window(&[], "09:00", "17:00", "UTC").next_open(utc("2026-01-01T00:00:00Z")), None);
    }

    #[test]
    fn blackouts_include_their_last_day() {
        let b = BlackoutSpec::parse(&Blackout {
            name: None,
            actions: vec!["*".into()],
            from: "2026-12-24".into(),
            to: "2026-12-26".into(),
            timezone: "Europe/Berlin".into(),
            reason: None,
        })
        .unwrap();
        assert!(!b.active(utc("2026-12-23T22:59:59Z")));
        assert!(b.active(utc("2026-12-23T23:00:00Z")));
        assert!(b.active(utc("2026-12-26T22:59:59Z")));
        assert!(!b.active(utc("2026-12-26T23:00:00Z")));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h").unwrap(), Duration::hours(24));
        assert_eq!(parse_duration("7d").unwrap(), Duration::days(7));
        for bad in ["", "h", "-1h", "10x", "0m"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert!(parse_tz("Mars/Olympus").is_err());
        assert!(parse_hhmm("25:00").is_err());
    }
}
