//! Scheduled plans, the pure part: a cron schedule read in a time zone, the slots it names, and
//! what a tick finds due. Cron is standard five-field cron with an optional leading seconds
//! field (`0 30 9 * * MON-FRI` or `30 9 * * MON-FRI`), day-of-month and day-of-week combined
//! the usual way (either matches). Times are local to the schedule's IANA zone, so `0 9 * * *`
//! in `Europe/Berlin` runs at 09:00 Berlin time winter and summer; across a DST change a local
//! time that does not exist that day (02:30 when clocks jump from 02:00 to 03:00) runs at the
//! first instant after the gap, and one that happens twice (01:30 when clocks fall back) runs
//! once, at its first occurrence.

use chrono::{DateTime, Duration, DurationRound, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds};

/// A schedule that did not parse: which input and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub message: String,
}

/// A cron schedule in a time zone.
#[derive(Debug, Clone)]
pub struct Timing {
    cron: Cron,
    tz: Tz,
}

/// At most this many slots are counted as missed between two runs.
const COUNT_AT_MOST: usize = 100_000;

impl Timing {
    /// Parses `cron` (seconds optional) and `timezone` (an IANA name).
    pub fn parse(cron: &str, timezone: &str) -> Result<Self, Invalid> {
        let tz: Tz = timezone.trim().parse().map_err(|_| Invalid {
            field: "timezone",
            message: format!("`{timezone}` is not an IANA time zone (like Europe/Berlin or UTC)"),
        })?;
        let fields = cron.split_whitespace().count();
        if !(5..=6).contains(&fields) {
            return Err(Invalid {
                field: "cron",
                message: format!(
                    "`{cron}` has {fields} fields; cron has 5 (minute hour day month weekday) or 6 (seconds first)"
                ),
            });
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Optional)
            .build()
            .parse(cron)
            .map_err(|e| Invalid { field: "cron", message: format!("`{cron}` is not a cron schedule: {e}") })?;
        Ok(Self { cron, tz })
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// The first slot strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = whole_second(after).with_timezone(&self.tz);
        self.cron.find_next_occurrence(&local, false).ok().map(|t| t.with_timezone(&Utc))
    }

    /// The slot due last at `now` (inclusive), if any.
    pub fn last_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = whole_second(now).with_timezone(&self.tz);
        self.cron.find_previous_occurrence(&local, true).ok().map(|t| t.with_timezone(&Utc))
    }

    /// The next `n` slots after `after`.
    pub fn upcoming(&self, after: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
        let local = whole_second(after).with_timezone(&self.tz);
        self.cron.iter_after(local).take(n).map(|t| t.with_timezone(&Utc)).collect()
    }

    /// Slots from `from` (inclusive) to `to` (exclusive), at most [`COUNT_AT_MOST`].
    pub fn count_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
        let local = whole_second(from).with_timezone(&self.tz);
        let first = self.cron.find_next_occurrence(&local, true).ok();
        let Some(first) = first else { return 0 };
        if first.with_timezone(&Utc) >= to {
            return 0;
        }
        1 + self.cron.iter_after(first).take_while(|t| t.with_timezone(&Utc) < to).take(COUNT_AT_MOST).count() as u64
    }
}

/// `t` without its fraction of a second (slots are whole seconds): croner keeps the fraction of
/// the instant it is given, and nodes ticking a moment apart must name the same slot.
pub fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::seconds(1)).unwrap_or(t)
}

/// What a tick finds for a schedule whose slot due next is `next`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// Nothing is due yet.
    NotYet,
    /// Run `slot` (the latest due); `missed` earlier slots were not run (no node was up).
    Run { slot: DateTime<Utc>, missed: u64 },
    /// `slot` is due but too old to run (or the schedule does not catch up): record it skipped.
    Skip { slot: DateTime<Utc>, missed: u64, reason: String },
}

/// What is due at `now` for a schedule whose next slot was `next`: the latest slot that has
/// come, run if it is at most `window` old (and `catch_up` allows a slot that was not run on
/// time), skipped otherwise. A tick comes every second, so a slot on time is seconds old;
/// `grace` is how late a slot may be and still count as on time.
pub fn due(timing: &Timing, next: DateTime<Utc>, now: DateTime<Utc>, catch_up: bool, window: Duration) -> Due {
    let grace = Duration::seconds(30);
    if next > now {
        return Due::NotYet;
    }
    let slot = timing.last_at(now).filter(|s| *s >= next).unwrap_or(next);
    let missed = timing.count_between(next, slot);
    let late = now - slot;
    if late <= grace {
        return Due::Run { slot, missed };
    }
    if !catch_up {
        return Due::Skip {
            slot,
            missed,
            reason: format!("due at {} while no node was running; this schedule does not catch up", slot.to_rfc3339()),
        };
    }
    if late > window {
        return Due::Skip {
            slot,
            missed,
            reason: format!(
                "due at {} while no node was running; older than the catch-up window ({} s)",
                slot.to_rfc3339(),
                window.num_seconds()
            ),
        };
    }
    Due::Run { slot, missed }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn cron_and_zone_are_checked_with_the_field_at_fault() {
        assert_eq!(Timing::parse("0 9 * * *", "Mars/Base").unwrap_err().field, "timezone");
        assert_eq!(Timing::parse("0 9 * *", "UTC").unwrap_err().field, "cron");
        assert_eq!(Timing::parse("0 99 * * *", "UTC").unwrap_err().field, "cron");
        assert!(Timing::parse("0 0 9 * * MON-FRI", "UTC").is_ok(), "seconds first");
        assert!(Timing::parse("0 9 * * MON-FRI", "UTC").is_ok(), "seconds optional");
    }

    #[test]
    fn berlin_mornings_follow_local_time_across_both_changes() {
        let t = Timing::parse("0 9 * * *", "Europe/Berlin").unwrap();
        // Winter: UTC+1; summer (from 2027-03-28): UTC+2; winter again from 2027-10-31.
        assert_eq!(t.next_after(at("2027-03-27T09:00:00Z")), Some(at("2027-03-28T07:00:00Z")));
        assert_eq!(t.next_after(at("2027-03-27T07:00:00Z")), Some(at("2027-03-27T08:00:00Z")));
        assert_eq!(t.next_after(at("2027-10-30T08:00:00Z")), Some(at("2027-10-31T08:00:00Z")));
        assert_eq!(
            t.upcoming(at("2027-03-26T12:00:00Z"), 3),
            [at("2027-03-27T08:00:00Z"), at("2027-03-28T07:00:00Z"), at("2027-03-29T07:00:00Z")]
        );
    }

    #[test]
    fn a_local_time_in_the_spring_gap_runs_once_after_it_and_a_repeated_one_once() {
        // New York: 2027-03-14 02:00 EST jumps to 03:00 EDT; 2027-11-07 02:00 EDT falls to 01:00 EST.
        let t = Timing::parse("30 2 * * *", "America/New_York").unwrap();
        let spring = t.upcoming(at("2027-03-13T12:00:00Z"), 2);
        assert_eq!(spring[0], at("2027-03-14T07:00:00Z"), "02:30 does not exist on the 14th: 03:00 EDT, once");
        assert_eq!(spring[1], at("2027-03-15T06:30:00Z"), "then 02:30 EDT");
        let t = Timing::parse("30 1 * * *", "America/New_York").unwrap();
        let fall = t.upcoming(at("2027-11-06T12:00:00Z"), 2);
        assert_eq!(fall[0], at("2027-11-07T05:30:00Z"), "01:30 EDT, the first of the two");
        assert_eq!(fall[1], at("2027-11-08T06:30:00Z"), "then 01:30 EST the next day");
    }

    #[test]
    fn a_tick_runs_the_slot_on_time_and_catches_up_within_the_window() {
        let t = Timing::parse("0 */10 * * * *", "UTC").unwrap();
        let next = at("2027-01-01T10:00:00Z");
        let hour = Duration::hours(1);
        assert_eq!(due(&t, next, at("2027-01-01T09:59:59Z"), true, hour), Due::NotYet);
        assert_eq!(due(&t, next, at("2027-01-01T10:00:01Z"), true, hour), Due::Run { slot: next, missed: 0 });
        // Down from 09:55 to 10:25: the latest slot (10:20) runs, 10:00 and 10:10 were missed.
        let back = at("2027-01-01T10:25:00Z");
        assert_eq!(due(&t, next, back, true, hour), Due::Run { slot: at("2027-01-01T10:20:00Z"), missed: 2 });
        assert!(matches!(due(&t, next, back, false, hour), Due::Skip { missed: 2, .. }));
        assert!(matches!(due(&t, next, back, true, Duration::minutes(1)), Due::Skip { .. }));
    }
}
