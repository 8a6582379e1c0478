package main

import (
	"context"
	"io"
	"log/slog"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// doDriver submits the mix straight to a Do: the replica node's (the
// raft log, bolt with fsync on every append, and the engine; no HTTP, no
// event store, no metrics) or the runtime's (the same and what the server
// derives from the log), as the HTTP API's handlers call it.
type doDriver struct {
	submit func(ctx context.Context, cmd assign.Command) (assign.Ready, error)
}

var available = presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}

func (d doDriver) do(ctx context.Context, cmd assign.Command) (assign.Ready, error) {
	return d.submit(ctx, cmd)
}

func (d doDriver) addTeam(ctx context.Context, team string) error {
	_, err := d.do(ctx, assign.Command{Op: assign.OpAddTeam, Team: pb.TeamID(team), Name: team})
	return err
}

func (d doDriver) addTeammate(ctx context.Context, tm string) error {
	_, err := d.do(ctx, assign.Command{Op: assign.OpAddTeammate, Teammate: pb.TeammateID(tm), Name: tm, Presence: available})
	return err
}

func (d doDriver) addMember(ctx context.Context, team, tm string) error {
	_, err := d.do(ctx, assign.Command{Op: assign.OpAddMember, Team: pb.TeamID(team), Teammate: pb.TeammateID(tm)})
	return err
}

func (d doDriver) arrive(ctx context.Context, call, team string) (string, error) {
	r, err := d.do(ctx, assign.Command{Op: assign.OpArrive, Call: pb.CallID(call), Team: pb.TeamID(team)})
	for _, e := range r.Effects {
		if e.Kind == assign.Ring && e.Call == pb.CallID(call) {
			return string(e.Teammate), err
		}
	}
	return "", err
}

func (d doDriver) answer(ctx context.Context, call, tm string) error {
	_, err := d.do(ctx, assign.Command{Op: assign.OpAnswer, Call: pb.CallID(call), Teammate: pb.TeammateID(tm)})
	return err
}

func (d doDriver) end(ctx context.Context, call string) error {
	_, err := d.do(ctx, assign.Command{Op: assign.OpEndCall, Call: pb.CallID(call), By: eventlog.ByTeammate})
	return err
}

func (d doDriver) setStatus(ctx context.Context, tm string, away bool) error {
	cmd := assign.Command{Op: assign.OpSetStatus, Teammate: pb.TeammateID(tm), Status: presence.Active}
	if away {
		cmd.Status, cmd.Reason = presence.Away, "break"
	}
	_, err := d.do(ctx, cmd)
	return err
}

// quietLogger discards the server parts' logs.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// runDo measures the replica's Do alone: one durable node in a new
// directory under dir, the mix from l.clients goroutines.
func runDo(ctx context.Context, dir string, l load) (tally, error) {
	n, err := replica.Open(replica.Config{Dir: dir, Engine: assign.DefaultConfig(), Logger: quietLogger()})
	if err != nil {
		return tally{}, err
	}
	defer n.Close()
	if err := waitLeads(ctx, n.IsLeader); err != nil {
		return tally{}, err
	}
	d := doDriver{submit: func(ctx context.Context, cmd assign.Command) (assign.Ready, error) {
		return n.Do(ctx, "bench", cmd)
	}}
	if err := setupMix(ctx, d, l.clients); err != nil {
		return tally{}, err
	}
	return runMix(ctx, d, l), nil
}

// runCore measures the runtime phonebalanced serves from: its Do (the
// one the HTTP API's handlers call), on one durable node, with what the
// server derives from every applied entry (the event store committing
// each batch's events to events.db, the metrics, the subscribers) and a
// telephony that only logs (to nowhere). It is the HTTP API without HTTP.
func runCore(ctx context.Context, dir string, l load) (tally, error) {
	rt, err := openCore(ctx, dir)
	if err != nil {
		return tally{}, err
	}
	defer rt.Close()
	d := doDriver{submit: rt.Default().Do}
	if err := setupMix(ctx, d, l.clients); err != nil {
		return tally{}, err
	}
	return runMix(ctx, d, l), nil
}

// openCore opens a durable core runtime in dir, with a telephony that only
// logs (to nowhere), and waits until it leads. Close it.
func openCore(ctx context.Context, dir string) (*core.Runtime, error) {
	rt, err := core.Open(core.Config{Dir: dir, Engine: assign.DefaultConfig(), Logger: quietLogger()})
	if err != nil {
		return nil, err
	}
	rt.SetTelephony(telephony.LogTelephony{Logger: quietLogger()})
	if err := waitLeads(ctx, rt.Node().IsLeader); err != nil {
		rt.Close()
		return nil, err
	}
	return rt, nil
}
