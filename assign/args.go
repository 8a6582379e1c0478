package assign

import (
	"fmt"
	"time"
	"unicode/utf8"

	pb "github.com/phonebalance/phonebalance"
)

// Limits on what the engine accepts, so that every state it reaches
// encodes to a snapshot and to the JSON-lines event log and decodes back
// the same.
const (
	// MaxIDLen is the longest team, teammate or call ID, in bytes. IDs must
	// also be valid UTF-8.
	MaxIDLen = 256
	// MaxNameLen is the longest team or teammate name and away reason, in
	// bytes. They must also be valid UTF-8.
	MaxNameLen = 1024
)

// The range of times a command may carry: from EarliestTime (1970-01-01
// 00:00 UTC, included) to LatestTime (2200-01-01 00:00 UTC, excluded).
// Every deadline then stays within the range of Unix nanoseconds and of
// RFC 3339 years.
var (
	earliestTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	latestTime   = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// TimeRange returns the range of command times the engine accepts:
// [1970-01-01 00:00 UTC, 2200-01-01 00:00 UTC). A command dated outside
// it fails with an error matching both ErrTimeOutOfRange and
// ErrInvalidArgument, before the engine advances.
func TimeRange() (earliest, latest time.Time) { return earliestTime, latestTime }

func checkTime(now time.Time) error {
	if now.Before(earliestTime) || !now.Before(latestTime) {
		return fmt.Errorf("%w: %w: %v is outside [%v, %v)", ErrInvalidArgument, ErrTimeOutOfRange,
			now, earliestTime, latestTime)
	}
	return nil
}

// checkID refuses an ID that is wrong in itself, before the engine
// advances: empty, longer than MaxIDLen or not valid UTF-8.
func checkID[T ~string](what string, id T) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: empty %s ID", ErrInvalidArgument, what)
	case len(id) > MaxIDLen:
		return fmt.Errorf("%w: %s ID of %d bytes, longer than %d", ErrInvalidArgument, what, len(id), MaxIDLen)
	case !utf8.ValidString(string(id)):
		return fmt.Errorf("%w: %s ID %q is not valid UTF-8", ErrInvalidArgument, what, id)
	}
	return nil
}

// checkText refuses a name or reason longer than MaxNameLen or not valid
// UTF-8. Empty is allowed.
func checkText(what, s string) error {
	switch {
	case len(s) > MaxNameLen:
		return fmt.Errorf("%w: %s of %d bytes, longer than %d", ErrInvalidArgument, what, len(s), MaxNameLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: %s %q is not valid UTF-8", ErrInvalidArgument, what, s)
	}
	return nil
}

// checkCallTeam checks a call ID and a team ID.
func checkCallTeam(id pb.CallID, teamID pb.TeamID) error {
	if err := checkID("call", id); err != nil {
		return err
	}
	return checkID("team", teamID)
}
