package metrics

import "errors"

// Errors returned by [Collector.Observe]. Each is wrapped with the event's
// Seq and kind; test with errors.Is. An event that is refused leaves the
// collector exactly as it was, apart from the count in
// [Collector.Rejected].
var (
	// ErrOutOfOrder: the event's Seq is not greater than the previous
	// event's, or its time is before the previous event's.
	ErrOutOfOrder = errors.New("metrics: event out of order")
	// ErrInvalidEvent: the event itself is malformed: an unknown kind, a
	// call event with no call, a teammate event with no teammate, an
	// invalid channel, status or direction, a missing team or teammate
	// where the kind needs one.
	ErrInvalidEvent = errors.New("metrics: invalid event")
	// ErrUnknownCall: a call event for a call that is not in progress
	// (never placed, or already ended).
	ErrUnknownCall = errors.New("metrics: unknown call")
	// ErrDuplicateCall: CallPlaced for a call already in progress.
	ErrDuplicateCall = errors.New("metrics: call already in progress")
	// ErrUnexpected: the event cannot happen where the call is, for example
	// an answer during routing or a miss by a teammate who is not ringing
	// (see the stream shape in package eventlog).
	ErrUnexpected = errors.New("metrics: event unexpected in the call's stage")
	// ErrUnknownTeammate: a presence or membership event for a teammate
	// who was never added, or was removed.
	ErrUnknownTeammate = errors.New("metrics: unknown teammate")
	// ErrDuplicateTeammate: TeammateAdded for a teammate already present.
	ErrDuplicateTeammate = errors.New("metrics: teammate already added")
)
