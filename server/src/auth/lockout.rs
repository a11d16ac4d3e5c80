//! The login lockout rule, pure (the attempts come from `db::repo::login_attempts`). Two limits:
//!
//! - **Per email and IP pair, a growing delay.** After [`PAIR_FREE_FAILURES`] failures for one
//!   email from one address (since that pair's last success, within [`PAIR_WINDOW_HOURS`]), each
//!   further attempt must wait 2^k seconds after the newest failure, k counting the failures
//!   past the free ones (2 s, 4 s, 8 s, …), capped at [`PAIR_MAX_DELAY_SECONDS`]. Someone else's
//!   wrong guesses therefore never lock an account out for other addresses.
//! - **Per IP, a hard limit.** [`IP_MAX_FAILURES`] failures from one address, whatever the
//!   emails, within [`IP_WINDOW_MINUTES`] refuse that address until the oldest of them leaves the
//!   window (password spraying across accounts).
//!
//! An attempt is reserved as a failure before its password is checked (see `AuthService::login`),
//! and each attempt counts every other reserved one, those still in flight included. So parallel
//! guesses never get more password checks than the rules allow; a burst of simultaneous guesses
//! from one pair past its free failures may instead be refused whole (each sees the others).

use chrono::{DateTime, Duration, Utc};

/// Failures of one email+IP pair answered without delay.
pub const PAIR_FREE_FAILURES: usize = 5;
/// The longest delay of the pair rule.
pub const PAIR_MAX_DELAY_SECONDS: i64 = 15 * 60;
/// How long a pair's failures are remembered.
pub const PAIR_WINDOW_HOURS: i64 = 24;
/// How many of a pair's newest failures decide the delay: enough to reach the cap.
pub const PAIR_COUNTED: usize = PAIR_FREE_FAILURES + 10;
/// Failures allowed from one IP, across emails, inside its window.
pub const IP_MAX_FAILURES: usize = 20;
/// The window of the per-IP limit, in minutes.
pub const IP_WINDOW_MINUTES: i64 = 15;

/// The start of the window of the pair rule at `now`.
pub fn pair_window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::hours(PAIR_WINDOW_HOURS)
}

/// The start of the window of the per-IP rule at `now`.
pub fn ip_window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::minutes(IP_WINDOW_MINUTES)
}

/// Attempts older than this count for no rule any more and can be deleted.
pub fn prune_before(now: DateTime<Utc>) -> DateTime<Utc> {
    pair_window_start(now).min(ip_window_start(now))
}

/// The delay the pair rule asks for after `failures` failures.
fn pair_delay(failures: usize) -> Option<Duration> {
    let past_free = failures.checked_sub(PAIR_FREE_FAILURES)?;
    let exponent = u32::try_from(past_free + 1).unwrap_or(u32::MAX).min(30);
    let seconds = (1i64 << exponent).min(PAIR_MAX_DELAY_SECONDS);
    Some(Duration::seconds(seconds))
}

fn seconds_until(unlock: DateTime<Utc>, now: DateTime<Utc>) -> Option<u32> {
    let millis = (unlock - now).num_milliseconds();
    (millis > 0).then(|| u32::try_from((millis + 999) / 1000).unwrap_or(u32::MAX))
}

/// The pair rule: given the pair's recent failures (newest first, at most [`PAIR_COUNTED`]),
/// the whole seconds until the next attempt is allowed, or None when it is allowed now.
pub fn pair_wait(failures_newest_first: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<u32> {
    let delay = pair_delay(failures_newest_first.len())?;
    let newest = *failures_newest_first.first()?;
    seconds_until(newest + delay, now)
}

/// The per-IP rule: given the address's recent failures (newest first, at most
/// [`IP_MAX_FAILURES`], all inside the window), the whole seconds until sign-in is allowed again.
pub fn ip_wait(failures_newest_first: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<u32> {
    let oldest_counted = *failures_newest_first.get(IP_MAX_FAILURES - 1)?;
    seconds_until(oldest_counted + Duration::minutes(IP_WINDOW_MINUTES), now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds_ago(seconds: &[i64], now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        seconds
            .iter()
            .map(|s| now - Duration::seconds(*s))
            .collect()
    }

    #[test]
    fn the_free_failures_of_a_pair_wait_for_nothing() {
        let now = Utc::now();
        assert_eq!(pair_wait(&seconds_ago(&[0, 0, 0, 0], now), now), None);
    }

    #[test]
    fn each_failure_past_the_free_ones_doubles_the_wait_up_to_fifteen_minutes() {
        let now = Utc::now();
        let cases = [
            (5, 2),
            (6, 4),
            (7, 8),
            (8, 16),
            (14, 900),
            (15, 900),
            (40, 900),
        ];
        for (failures, wait) in cases {
            let newest_first = vec![now; failures];
            assert_eq!(pair_wait(&newest_first, now), Some(wait), "{failures}");
        }
    }

    #[test]
    fn the_pair_wait_runs_from_the_newest_failure() {
        let now = Utc::now();
        // Seven failures: 8 s after the newest, which was 3 s ago.
        let failures = seconds_ago(&[3, 20, 30, 40, 50, 60, 70], now);
        assert_eq!(pair_wait(&failures, now), Some(5));
        let failures = seconds_ago(&[8, 20, 30, 40, 50, 60, 70], now);
        assert_eq!(pair_wait(&failures, now), None, "waited long enough");
    }

    #[test]
    fn an_ip_is_refused_at_its_limit_until_the_oldest_failure_leaves_the_window() {
        let now = Utc::now();
        let under: Vec<_> = vec![now; IP_MAX_FAILURES - 1];
        assert_eq!(ip_wait(&under, now), None);
        let mut at_limit = vec![now; IP_MAX_FAILURES - 1];
        at_limit.push(now - Duration::minutes(10));
        assert_eq!(ip_wait(&at_limit, now), Some(5 * 60));
        at_limit[IP_MAX_FAILURES - 1] = now - Duration::minutes(IP_WINDOW_MINUTES);
        assert_eq!(ip_wait(&at_limit, now), None);
    }

    #[test]
    fn nothing_older_than_both_windows_is_kept() {
        let now = Utc::now();
        assert_eq!(prune_before(now), now - Duration::hours(PAIR_WINDOW_HOURS));
    }
}
