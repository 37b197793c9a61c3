//! Adaptive budgets, the pure part: a daily limit recommended from the spend of past days.
//!
//! Method: over the last [`WINDOW_DAYS`] whole days (days without spend count as 0, from the
//! first day that spent), once at least [`MIN_DAYS`] of them are known, the 95th percentile of
//! daily spend with `headroom` added (20% by default), rounded up to two significant figures,
//! and never above the organization's own daily limit (a project cannot usefully be allowed more
//! than its organization). The evidence — each day's spend and the median, 95th percentile and
//! largest day — goes with it, so a person can judge before applying it.

/// Whole days of history needed before anything is recommended.
pub const MIN_DAYS: usize = 14;
/// Days of history looked at.
pub const WINDOW_DAYS: i64 = 30;
/// Headroom added to the 95th percentile when none is given.
pub const DEFAULT_HEADROOM: f64 = 0.2;

/// What the history says, and the limit it recommends.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// Whole days the figures are taken from.
    pub days: usize,
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
    pub headroom: f64,
    /// `None` with too little history (see `reason`).
    pub recommended: Option<f64>,
    /// Why there is no recommendation, or what bounded it.
    pub reason: String,
}

/// The `q` quantile (0 to 1) of `sorted`, interpolated between neighbours.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        n => {
            let at = q * (n - 1) as f64;
            let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
            sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo as f64)
        }
    }
}

/// `x` rounded up to two significant figures (123.4 -> 130, 0.734 -> 0.74, 80 -> 80).
pub fn round_up(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return 0.0;
    }
    let step = 10f64.powi(x.log10().floor() as i32 - 1);
    let n = (x / step - 1e-9).ceil();
    // Keep the step's own precision (0.1 * 7 is 0.7000000000000001 otherwise).
    let decimals = (-(step.log10().round() as i32)).max(0) as u32;
    let scale = 10f64.powi(decimals as i32);
    ((n * step) * scale).round() / scale
}

/// A recommendation from `daily` (each whole day's spend, oldest first, starting at the first
/// day that spent), with `headroom` over the 95th percentile, capped at `org_cap`.
pub fn recommend(daily: &[f64], headroom: f64, org_cap: Option<f64>) -> Recommendation {
    let mut sorted: Vec<f64> = daily.iter().copied().filter(|d| d.is_finite()).map(|d| d.max(0.0)).collect();
    sorted.sort_by(f64::total_cmp);
    let (p50, p95, max) = (quantile(&sorted, 0.5), quantile(&sorted, 0.95), sorted.last().copied().unwrap_or(0.0));
    let base = Recommendation { days: sorted.len(), p50, p95, max, headroom, recommended: None, reason: String::new() };
    if sorted.len() < MIN_DAYS {
        return Recommendation {
            reason: format!("needs {MIN_DAYS} days of history since the first spend, has {}", sorted.len()),
            ..base
        };
    }
    if p95 <= 0.0 {
        return Recommendation { reason: "nothing was spent on most days: no limit to recommend".into(), ..base };
    }
    let wanted = round_up(p95 * (1.0 + headroom));
    match org_cap {
        Some(cap) if cap < wanted => Recommendation {
            recommended: Some(cap),
            reason: format!(
                "the 95th percentile with {:.0}% headroom ({wanted}) is above the organization's daily limit ({cap})",
                headroom * 100.0
            ),
            ..base
        },
        _ => Recommendation {
            recommended: Some(wanted),
            reason: format!("the 95th percentile of {} days with {:.0}% headroom", sorted.len(), headroom * 100.0),
            ..base
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_up_to_two_significant_figures() {
        assert_eq!(round_up(123.4), 130.0);
        assert_eq!(round_up(120.0), 120.0);
        assert_eq!(round_up(0.734), 0.74);
        assert_eq!(round_up(80.0), 80.0);
        assert_eq!(round_up(9.01), 9.1);
        assert_eq!(round_up(0.0), 0.0);
    }

    #[test]
    fn too_little_history_recommends_nothing() {
        let r = recommend(&[10.0; 13], 0.2, None);
        assert_eq!(r.recommended, None);
        assert!(r.reason.contains("has 13"), "{}", r.reason);
    }

    #[test]
    fn the_95th_percentile_with_headroom_capped_by_the_organization() {
        // 30 days: 28 ordinary days of 40 to 67, and two spikes.
        let mut days: Vec<f64> = (0..28).map(|i| 40.0 + i as f64).collect();
        days.extend([150.0, 90.0]);
        let r = recommend(&days, 0.2, None);
        assert_eq!(r.days, 30);
        assert_eq!(r.max, 150.0);
        // p95 of 30 values: between the 28th and 29th smallest (67 and 90) at 0.55.
        assert!((r.p95 - 79.65).abs() < 1e-9, "{}", r.p95);
        assert_eq!(r.recommended, Some(96.0));
        let capped = recommend(&days, 0.2, Some(90.0));
        assert_eq!(capped.recommended, Some(90.0));
        assert!(capped.reason.contains("organization's daily limit"));
    }
}
