package assign

import "errors"

// Errors returned by the engine. Each is a sentinel to test with
// errors.Is; the returned error usually wraps it with the offending IDs.
// A command that returns an error has changed nothing beyond advancing the
// engine to the command's time (see [Engine.Advance]); errors in the
// arguments themselves are found before advancing.
var (
	// ErrInvalidConfig: a Config or TeamConfig field is out of range.
	ErrInvalidConfig = errors.New("assign: invalid config")
	// ErrInvalidArgument: an empty, overlong or non-UTF-8 ID or name, an
	// undeclared enum value, an inconsistent presence state, a time out of
	// range, or a snapshot that does not hold together.
	ErrInvalidArgument = errors.New("assign: invalid argument")
	// ErrTimeOutOfRange: a command's time is outside [TimeRange], years
	// 1970 to 2199. The error also matches ErrInvalidArgument.
	ErrTimeOutOfRange = errors.New("assign: time out of range")
	// ErrTimeWentBackwards: a command's time is before the engine's.
	ErrTimeWentBackwards = errors.New("assign: time went backwards")
	// ErrTestWorkspace: balanced assignment does not work in TEST
	// workspaces (rule AS9), so calls cannot be queued there.
	ErrTestWorkspace = errors.New("assign: balanced assignment does not work in a TEST workspace")

	// ErrUnknownTeammate, ErrUnknownTeam and ErrUnknownCall: no such ID.
	ErrUnknownTeammate = errors.New("assign: unknown teammate")
	ErrUnknownTeam     = errors.New("assign: unknown team")
	ErrUnknownCall     = errors.New("assign: unknown call")
	// ErrDuplicateTeammate, ErrDuplicateTeam, ErrDuplicateCall and
	// ErrDuplicateMember: the ID or membership exists already. Ended calls
	// keep their ID for Config.EndedCallRetention.
	ErrDuplicateTeammate = errors.New("assign: duplicate teammate")
	ErrDuplicateTeam     = errors.New("assign: duplicate team")
	ErrDuplicateCall     = errors.New("assign: duplicate call")
	ErrDuplicateMember   = errors.New("assign: teammate is already a member of the team")
	// ErrNotMember: the teammate is not a member of the team.
	ErrNotMember = errors.New("assign: teammate is not a member of the team")

	// ErrNotRinging: an answer or decline from a teammate the call is not
	// ringing for (including one whose ring has just timed out).
	ErrNotRinging = errors.New("assign: call is not ringing for this teammate")
	// ErrDeclineUnavailable: the Decline button does not exist under
	// auto-answer (rule AS8).
	ErrDeclineUnavailable = errors.New("assign: decline is not available in auto-answer mode")
	// ErrWrongState: the call is not in a state the command applies to,
	// such as holding a call nobody answered.
	ErrWrongState = errors.New("assign: call is not in a state that allows this")
	// ErrCallEnded: the call has ended.
	ErrCallEnded = errors.New("assign: call has ended")
	// ErrTeammateBusy: the teammate is ringing or on a call, so cannot take
	// another or be removed.
	ErrTeammateBusy = errors.New("assign: teammate is ringing or at the call limit")
)
