package api

import (
	"context"

	"fmt"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/core"
)

// Precheck refuses, before it is proposed to raft, a command the engine
// would refuse anyway because what it names does not exist (or, for a new
// team, already does), reading the leader's engine under its lock: one map
// lookup, no log entry, no fsync. It checks only where the answer is
// exact: on a leader that has applied every entry of earlier terms
// (replica's Status.Ready), for a command whose arguments the handler has
// already checked as the engine would, and for a lookup the engine makes
// before any other state-dependent check, with the same error. Time only
// forgets calls and never creates anything, so "unknown now" stays
// unknown when the engine advances to the command's time.
//
// A command racing with another that creates what it names can still be
// proposed and then refused by the engine: that entry is harmless, every
// node refuses it the same way. On a follower nothing is prechecked (its
// view may trail); the command goes to the leader. Call it before
// Workspace.Do with a command whose arguments were checked (the API's handlers
// and the dashboard's actions do).
//
// Precheck is safe for concurrent use; it takes the engine's lock for one
// lookup and never waits on the network.
func Precheck(w *core.Workspace, cmd assign.Command) error {
	kind := precheckOf(cmd)
	if kind == nothing || !w.Ready() {
		return nil
	}
	var err error
	_, _ = w.View(func(e *assign.Engine) { err = kind.check(e, cmd) })
	return err
}

// Submit runs cmd in workspace w as the API's routes do: Precheck (no log
// entry for a command that cannot apply), then w.Do. The wallboard's and
// the inbox's actions submit through it. Safe for concurrent use; ctx
// bounds the wait for the log.
func Submit(ctx context.Context, w *core.Workspace, cmd assign.Command) error {
	if err := Precheck(w, cmd); err != nil {
		return err
	}
	_, err := w.Do(ctx, cmd)
	return err
}

// lookup is the existence check that comes first for an op in the engine.
type lookup int

const (
	nothing        lookup = iota
	callExists            // lookupCall/beginCall: unknown_call
	teammateExists        // beginTeammate: unknown_teammate
	teamExists            // SetTeamOverride, SetTeamConfig: unknown_team
	teamIsNew             // AddTeam: duplicate_team
	teammateIsNew         // AddTeammate: duplicate_teammate, before the engine advances
	membership            // beginMembership: unknown_team, then unknown_teammate
	arrival               // Arrive: unknown_team, when the call was never known
)

func precheckOf(cmd assign.Command) lookup {
	switch cmd.Op {
	case assign.OpAnswer, assign.OpHold, assign.OpResume, assign.OpEndCall, assign.OpTransfer,
		assign.OpManualAnswer, assign.OpBarge, assign.OpVoicemail, assign.OpRecordVoicemail,
		assign.OpRequestCallback, assign.OpQueueCallback, assign.OpCallbackUnreached, assign.OpForwardUnanswered:
		return callExists
	case assign.OpRemoveTeammate, assign.OpSetClient, assign.OpSetChannel, assign.OpSetStatus,
		assign.OpSetReassignReplies, assign.OpStartMessengerCall, assign.OpReportAssignment:
		return teammateExists
	case assign.OpSetTeamOverride, assign.OpSetTeamConfig:
		return teamExists
	case assign.OpAddTeam:
		return teamIsNew
	case assign.OpAddTeammate:
		return teammateIsNew
	case assign.OpAddMember, assign.OpRemoveMember:
		return membership
	case assign.OpArrive:
		return arrival
	}
	return nothing
}

func (k lookup) check(e *assign.Engine, cmd assign.Command) error {
	unknownTeam := func() bool { _, _, ok := e.TeamCounts(cmd.Team); return !ok }
	unknownTeammate := func() bool { _, ok := e.Teammate(cmd.Teammate); return !ok }
	switch k {
	case callExists:
		if _, ok := e.Call(cmd.Call); !ok {
			return fmt.Errorf("%w: %q", assign.ErrUnknownCall, cmd.Call)
		}
	case teammateExists:
		if unknownTeammate() {
			return fmt.Errorf("%w: %q", assign.ErrUnknownTeammate, cmd.Teammate)
		}
	case teamExists:
		if unknownTeam() {
			return fmt.Errorf("%w: %q", assign.ErrUnknownTeam, cmd.Team)
		}
	case teamIsNew:
		if !unknownTeam() {
			return fmt.Errorf("%w: %q", assign.ErrDuplicateTeam, cmd.Team)
		}
	case teammateIsNew:
		if !unknownTeammate() {
			return fmt.Errorf("%w: %q", assign.ErrDuplicateTeammate, cmd.Teammate)
		}
	case membership:
		if unknownTeam() {
			return fmt.Errorf("%w: %q", assign.ErrUnknownTeam, cmd.Team)
		}
		if unknownTeammate() {
			return fmt.Errorf("%w: %q", assign.ErrUnknownTeammate, cmd.Teammate)
		}
	case arrival:
		// The engine checks the team after the duplicate-call check, which
		// runs after it advances (and may forget an ended call): only a
		// call it has never held is certain to pass it.
		if _, known := e.Call(cmd.Call); !known && unknownTeam() {
			return fmt.Errorf("%w: %q", assign.ErrUnknownTeam, cmd.Team)
		}
	}
	return nil
}
