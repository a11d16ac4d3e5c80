//! The status-callback ordering rule, pure. Callbacks are independent HTTP requests: they can
//! arrive late, out of order, or twice. A callback is applied only when its `SequenceNumber` is
//! newer than the last applied one and its status does not move the call backwards; a final
//! status is never left. A status read from Twilio's call record (the reconciler) has no
//! sequence: it applies when it moves the call forward.

use app::api::CallStatus;

/// What to do with one status callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Record it and move the call to the new status.
    Apply,
    /// Same or older sequence number: a repeat or a late arrival. Nothing changes.
    Stale,
    /// Newer sequence but an earlier status (or the call already ended). Nothing changes.
    Backwards,
}

/// Decides for a call at `current` (last applied sequence `last_sequence`, -1 for none) and a
/// callback saying `status` with `sequence` (None: read from Twilio's call record).
pub fn decide(
    current: CallStatus,
    last_sequence: i32,
    status: CallStatus,
    sequence: Option<i32>,
) -> Decision {
    match sequence {
        Some(sequence) if sequence <= last_sequence => return Decision::Stale,
        None if status == current => return Decision::Stale,
        _ => {}
    }
    if current.is_final() || status.rank() < current.rank() {
        return Decision::Backwards;
    }
    Decision::Apply
}

#[cfg(test)]
mod tests {
    use super::*;
    use CallStatus::*;

    #[test]
    fn the_normal_life_of_a_call_applies_in_order() {
        let mut state = (Queued, -1);
        for (sequence, status) in [
            (0, Initiated),
            (1, Ringing),
            (2, InProgress),
            (3, Completed),
        ] {
            assert_eq!(
                decide(state.0, state.1, status, Some(sequence)),
                Decision::Apply
            );
            state = (status, sequence);
        }
    }

    #[test]
    fn repeats_and_late_arrivals_change_nothing() {
        assert_eq!(decide(Ringing, 1, Ringing, Some(1)), Decision::Stale);
        assert_eq!(decide(InProgress, 2, Ringing, Some(1)), Decision::Stale);
        assert_eq!(decide(Completed, 3, InProgress, Some(2)), Decision::Stale);
    }

    #[test]
    fn a_final_status_is_never_left_and_statuses_never_go_back() {
        assert_eq!(decide(Completed, 3, Ringing, Some(4)), Decision::Backwards);
        assert_eq!(decide(NoAnswer, 2, Completed, Some(3)), Decision::Backwards);
        assert_eq!(decide(InProgress, 2, Ringing, Some(3)), Decision::Backwards);
    }

    #[test]
    fn skipped_statuses_are_fine() {
        assert_eq!(
            decide(Queued, -1, Completed, Some(3)),
            Decision::Apply,
            "the final callback can come first"
        );
        assert_eq!(decide(Ringing, 1, Busy, Some(2)), Decision::Apply);
        assert_eq!(
            decide(InProgress, 2, InProgress, Some(3)),
            Decision::Apply,
            "same status, newer sequence"
        );
    }

    #[test]
    fn a_status_from_twilio_s_record_applies_when_it_moves_the_call_forward() {
        assert_eq!(decide(Ringing, 1, Completed, None), Decision::Apply);
        assert_eq!(decide(Queued, -1, InProgress, None), Decision::Apply);
        assert_eq!(decide(InProgress, 2, InProgress, None), Decision::Stale);
        assert_eq!(
            decide(Initiated, 0, Queued, None),
            Decision::Backwards,
            "the REST resource has no initiated"
        );
        assert_eq!(decide(Completed, 3, Failed, None), Decision::Backwards);
    }
}
