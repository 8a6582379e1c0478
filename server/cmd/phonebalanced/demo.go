package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/core"
)

// The demo workspace: a Support team with three available teammates.
var (
	demoTeam      pb.TeamID = "support"
	demoTeammates           = []struct {
		id   pb.TeammateID
		name string
	}{{"ana", "Ana"}, {"ben", "Ben"}, {"cleo", "Cleo"}}
)

// seedDemo adds the demo team and teammates; what exists already (a
// restart with -demo) is kept as it is.
func seedDemo(ctx context.Context, rt *core.Runtime) error {
	st := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	cmds := []assign.Command{{Op: assign.OpAddTeam, Team: demoTeam, Name: "Support",
		TeamConfig: assign.TeamConfig{MaxQueue: 20}}}
	for _, tm := range demoTeammates {
		cmds = append(cmds, assign.Command{Op: assign.OpAddTeammate, Teammate: tm.id, Name: tm.name, Presence: st},
			assign.Command{Op: assign.OpAddMember, Team: demoTeam, Teammate: tm.id})
	}
	for _, cmd := range cmds {
		_, err := doOnLeader(ctx, rt, cmd)
		switch {
		case err == nil, errors.Is(err, assign.ErrDuplicateTeam), errors.Is(err, assign.ErrDuplicateTeammate),
			errors.Is(err, assign.ErrDuplicateMember):
		default:
			return err
		}
	}
	return nil
}

// doOnLeader submits cmd, waiting up to 30 s for this node to be elected
// (a node that just started, or the first node of a new cluster).
func doOnLeader(ctx context.Context, rt *core.Runtime, cmd assign.Command) (assign.Ready, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		rd, err := rt.Default().Do(ctx, cmd)
		if !errors.Is(err, replica.ErrNotLeader) {
			return rd, err
		}
		select {
		case <-ctx.Done():
			return rd, err
		case <-tick.C:
		}
	}
}

// waitLeader waits up to 30 s for a one-node server to elect itself and
// apply its whole log (a linearizable read succeeds), so that it serves
// its restored state and takes commands as soon as it says it listens.
func waitLeader(ctx context.Context, rt *core.Runtime) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		err := rt.Node().ViewConsistent(ctx, core.DefaultWorkspace, func(*assign.Engine) {})
		if err == nil || errors.Is(err, replica.ErrUnknownWorkspace) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("this node did not become leader within 30 s: %w", err)
		case <-tick.C:
		}
	}
}
