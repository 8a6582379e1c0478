package assign

import (
	"fmt"

	pb "github.com/phonebalance/phonebalance"
)

// checkID refuses an ID that is wrong in itself, before the engine
// advances: an empty one.
func checkID[T ~string](what string, id T) error {
	if id == "" {
		return fmt.Errorf("%w: empty %s ID", ErrInvalidArgument, what)
	}
	return nil
}

// checkCallMate checks a call ID and a teammate ID.
func checkCallMate(id pb.CallID, tmID pb.TeammateID) error {
	if err := checkID("call", id); err != nil {
		return err
	}
	return checkID("teammate", tmID)
}

// checkCallTeam checks a call ID and a team ID.
func checkCallTeam(id pb.CallID, teamID pb.TeamID) error {
	if err := checkID("call", id); err != nil {
		return err
	}
	return checkID("team", teamID)
}
