//! The login lockout rule, pure: after [`MAX_FAILURES`] failures for one email or one IP within
//! [`WINDOW_MINUTES`], sign-in is refused until the oldest of those failures leaves the window.

use chrono::{DateTime, Duration, Utc};

/// Failures allowed inside the window.
pub const MAX_FAILURES: usize = 5;
/// The window, in minutes.
pub const WINDOW_MINUTES: i64 = 15;

/// The start of the window that counts at `now`.
pub fn window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::minutes(WINDOW_MINUTES)
}

/// Given recent failure times (newest first, at most [`MAX_FAILURES`], all inside the window),
/// the whole minutes until sign-in is allowed again, or None when it is allowed now.
pub fn retry_after_minutes(
    failures_newest_first: &[DateTime<Utc>],
    now: DateTime<Utc>,
) -> Option<u32> {
    if failures_newest_first.len() < MAX_FAILURES {
        return None;
    }
    let oldest_counted = failures_newest_first[MAX_FAILURES - 1];
    let unlock = oldest_counted + Duration::minutes(WINDOW_MINUTES);
    let seconds = (unlock - now).num_seconds();
    (seconds > 0).then(|| u32::try_from((seconds + 59) / 60).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ago(minutes: i64, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::minutes(minutes)
    }

    #[test]
    fn four_failures_do_not_lock() {
        let now = Utc::now();
        let failures: Vec<_> = (0..4).map(|m| ago(m, now)).collect();
        assert_eq!(retry_after_minutes(&failures, now), None);
    }

    #[test]
    fn the_fifth_failure_locks_until_the_oldest_leaves_the_window() {
        let now = Utc::now();
        let failures: Vec<_> = [0, 1, 2, 3, 10].iter().map(|m| ago(*m, now)).collect();
        assert_eq!(retry_after_minutes(&failures, now), Some(5));
        let fresh: Vec<_> = (0..5).map(|_| now).collect();
        assert_eq!(retry_after_minutes(&fresh, now), Some(15));
    }

    #[test]
    fn failures_older_than_the_window_unlock() {
        let now = Utc::now();
        let failures: Vec<_> = [0, 1, 2, 3, 15].iter().map(|m| ago(*m, now)).collect();
        assert_eq!(retry_after_minutes(&failures, now), None);
    }
}
