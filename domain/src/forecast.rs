//! Budget forecasts, the pure part: how much a budget's day will have spent by its reset and
//! when (if) it runs out, from what is spent and reserved so far and the spend of past days.
//!
//! Method: with at least [`MIN_DAYS`] past days of activity, the **hour-of-day profile** — the
//! mean spend of each hour of the day over the last [`MAX_DAYS`] days — scaled by how today
//! compares with it so far (today's spend over the profile's spend by this time, once the
//! profile expects a tenth of its day to be spent; until then a typical day), is laid over the
//! rest of the day. With less history, **linear**: the rate spent so far (over at least an hour)
//! continues until the reset. Reserved spend counts as spent. The profile's error is measured
//! on the past days themselves (each predicted at this time of day from the others), and the
//! confidence is one minus its median, scaled down while history is short.

use chrono::{DateTime, Duration, Utc};

/// Days of history needed for the hour-of-day profile.
pub const MIN_DAYS: usize = 3;
/// Days of history the profile looks at.
pub const MAX_DAYS: i64 = 14;

/// How a forecast was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Profile,
    Linear,
}

impl Method {
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Profile => "hour_of_day_profile",
            Method::Linear => "linear",
        }
    }
}

/// A budget day's forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// Spent and reserved by the reset.
    pub projected: f64,
    /// When spent and reserved reach the limit, if before the reset (now, if they have).
    pub exhausts_at: Option<DateTime<Utc>>,
    /// 0 to 1.
    pub confidence: f64,
    pub method: Method,
    /// Past days with activity the profile was made from.
    pub history_days: usize,
    /// The profile's median relative error on the past days, predicted at this time of day.
    pub backtest_error: Option<f64>,
}

/// Today: the budget's limit (if any), what is spent and reserved, the day's bounds, and now.
#[derive(Debug, Clone, Copy)]
pub struct Today {
    pub limit: Option<f64>,
    pub spent: f64,
    pub reserved: f64,
    pub day_start: DateTime<Utc>,
    pub resets_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

/// The past days' spend by hour of the day: `days[k][h]`, day `k` before today.
struct Profile {
    days: Vec<[f64; 24]>,
}

impl Profile {
    /// From hourly spend before `day_start` (the start of each hour and its spend).
    fn of(day_start: DateTime<Utc>, history: &[(DateTime<Utc>, f64)]) -> Self {
        let mut by_day: std::collections::BTreeMap<i64, [f64; 24]> = std::collections::BTreeMap::new();
        for (at, spend) in history {
            let before = day_start - *at;
            if before <= Duration::zero() || before > Duration::days(MAX_DAYS) {
                continue;
            }
            // Day k starts k days before today's start; its hours count from there.
            let k = (before.num_seconds() + 86_399) / 86_400;
            let offset = (*at - (day_start - Duration::days(k))).num_hours().clamp(0, 23) as usize;
            by_day.entry(k).or_insert([0.0; 24])[offset] += spend;
        }
        Self { days: by_day.into_values().collect() }
    }

    /// The mean day, leaving out day `skip` if given.
    fn mean(&self, skip: Option<usize>) -> [f64; 24] {
        let mut sum = [0.0; 24];
        let mut n = 0.0;
        for (i, d) in self.days.iter().enumerate() {
            if Some(i) == skip {
                continue;
            }
            n += 1.0;
            for h in 0..24 {
                sum[h] += d[h];
            }
        }
        if n > 0.0 {
            for v in &mut sum {
                *v /= n;
            }
        }
        sum
    }
}

/// The spend `day` expects by `hours` into it.
fn by(day: &[f64; 24], hours: f64) -> f64 {
    let whole = (hours.floor() as usize).min(24);
    let mut s: f64 = day[..whole].iter().sum();
    if whole < 24 {
        s += day[whole] * (hours - whole as f64);
    }
    s
}

/// How today compares with `mean` when `so_far` is spent `hours` into it.
fn ratio(mean: &[f64; 24], so_far: f64, hours: f64) -> f64 {
    let expected = by(mean, hours);
    let total: f64 = mean.iter().sum();
    if expected > 0.0 && expected >= 0.1 * total { (so_far / expected).clamp(0.1, 10.0) } else { 1.0 }
}

/// The forecast of `today` given the hourly spend of past days (`history`).
pub fn forecast(today: Today, history: &[(DateTime<Utc>, f64)]) -> Forecast {
    let Today { limit, spent, reserved, day_start, resets_at, now } = today;
    let day_hours = ((resets_at - day_start).num_seconds() as f64 / 3600.0).max(1.0);
    let hours = ((now - day_start).num_seconds() as f64 / 3600.0).clamp(0.0, day_hours);
    let profile = Profile::of(day_start, history);
    let committed = spent + reserved;
    // Expected spend from `hours` into the day to `until` hours into it.
    let (method, expected): (Method, Box<dyn Fn(f64, f64) -> f64>) =
        if profile.days.len() >= MIN_DAYS && profile.mean(None).iter().sum::<f64>() > 0.0 {
            let mean = profile.mean(None);
            let r = ratio(&mean, spent, hours);
            (Method::Profile, Box::new(move |from, until| r * (by(&mean, until) - by(&mean, from)).max(0.0)))
        } else {
            let rate = spent / hours.max(1.0);
            (Method::Linear, Box::new(move |from, until| rate * (until - from).max(0.0)))
        };
    let projected = committed + expected(hours, day_hours);
    let exhausts_at = limit.and_then(|limit| {
        if committed >= limit {
            return Some(now);
        }
        let mut cumulative = committed;
        let mut at = hours;
        while at < day_hours {
            let next = (at.floor() + 1.0).min(day_hours);
            let add = expected(at, next);
            if add > 0.0 && cumulative + add >= limit {
                let part = (limit - cumulative) / add * (next - at);
                return Some(day_start + Duration::milliseconds(((at + part) * 3_600_000.0) as i64));
            }
            cumulative += add;
            at = next;
        }
        None
    });
    let (backtest_error, confidence) = match method {
        Method::Profile => {
            let mut errors: Vec<f64> = Vec::new();
            for (i, day) in profile.days.iter().enumerate() {
                let actual: f64 = day.iter().sum();
                if actual <= 0.0 {
                    continue;
                }
                let others = profile.mean(Some(i));
                let so_far = by(day, hours);
                let predicted =
                    so_far + ratio(&others, so_far, hours) * (others.iter().sum::<f64>() - by(&others, hours)).max(0.0);
                errors.push((predicted - actual).abs() / actual);
            }
            errors.sort_by(f64::total_cmp);
            let median = errors.get(errors.len() / 2).copied();
            let enough = (profile.days.len() as f64 / MAX_DAYS as f64).min(1.0);
            (median, median.map(|e| (1.0 - e).clamp(0.0, 1.0) * enough).unwrap_or(0.0))
        }
        // The later in the day, the more of it the rate has seen.
        Method::Linear => (None, (hours / day_hours * 0.5).clamp(0.0, 0.5)),
    };
    Forecast { projected, exhausts_at, confidence, method, history_days: profile.days.len(), backtest_error }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// Past days that each spend 10 an hour from 09:00 to 17:00 (80 a day), UTC.
    fn office_days(n: i64, start: DateTime<Utc>) -> Vec<(DateTime<Utc>, f64)> {
        let mut out = Vec::new();
        for k in 1..=n {
            for h in 9..17 {
                out.push((start - Duration::days(k) + Duration::hours(h), 10.0));
            }
        }
        out
    }

    #[test]
    fn the_profile_lays_the_typical_day_over_the_rest_of_today() {
        let start = at("2027-01-12T00:00:00Z");
        let history = office_days(14, start);
        // 13:00, 40 spent: a typical day so far; 40 more to come.
        let today = Today {
            limit: Some(70.0),
            spent: 40.0,
            reserved: 0.0,
            day_start: start,
            resets_at: start + Duration::days(1),
            now: start + Duration::hours(13),
        };
        let f = forecast(today, &history);
        assert_eq!(f.method, Method::Profile);
        assert_eq!(f.history_days, 14);
        assert!((f.projected - 80.0).abs() < 1e-9, "{f:?}");
        // 30 more at 10 an hour: 16:00.
        assert_eq!(f.exhausts_at, Some(at("2027-01-12T16:00:00Z")));
        assert_eq!(f.backtest_error, Some(0.0), "identical days predict each other exactly");
        assert!((f.confidence - 1.0).abs() < 1e-9);
        // Twice as busy as usual: twice the rest, and exhausted sooner.
        let busy = forecast(Today { spent: 80.0, limit: Some(120.0), ..today }, &history);
        assert!((busy.projected - 160.0).abs() < 1e-9, "{busy:?}");
        assert_eq!(busy.exhausts_at, Some(at("2027-01-12T15:00:00Z")));
        // Within the limit all day: no exhaustion.
        assert_eq!(forecast(Today { limit: Some(100.0), ..today }, &history).exhausts_at, None);
        // Already over (spent and reserved): now.
        let over = forecast(Today { reserved: 35.0, ..today }, &history);
        assert_eq!(over.exhausts_at, Some(today.now));
    }

    #[test]
    fn short_history_falls_back_to_the_rate_so_far() {
        let start = at("2027-01-12T00:00:00Z");
        let today = Today {
            limit: Some(100.0),
            spent: 30.0,
            reserved: 10.0,
            day_start: start,
            resets_at: start + Duration::days(1),
            now: start + Duration::hours(6),
        };
        let f = forecast(today, &office_days(2, start));
        assert_eq!(f.method, Method::Linear);
        // 5 an hour for 18 more hours, on top of 40.
        assert!((f.projected - 130.0).abs() < 1e-9, "{f:?}");
        // 60 more at 5 an hour: 12 hours from 06:00.
        assert_eq!(f.exhausts_at, Some(at("2027-01-12T18:00:00Z")));
        assert_eq!(f.backtest_error, None);
        assert!(f.confidence > 0.0 && f.confidence <= 0.5);
    }

    #[test]
    fn irregular_days_lower_the_confidence() {
        let start = at("2027-01-12T00:00:00Z");
        let mut history = office_days(14, start);
        // Every other day spends three times as much in the evening.
        for k in (2..=14).step_by(2) {
            history.push((start - Duration::days(k) + Duration::hours(20), 160.0));
        }
        let f = forecast(
            Today {
                limit: None,
                spent: 40.0,
                reserved: 0.0,
                day_start: start,
                resets_at: start + Duration::days(1),
                now: start + Duration::hours(13),
            },
            &history,
        );
        assert_eq!(f.exhausts_at, None, "no limit, no exhaustion");
        let error = f.backtest_error.expect("measured");
        assert!(error > 0.3, "{f:?}");
        assert!(f.confidence < 0.7, "{f:?}");
    }
}
