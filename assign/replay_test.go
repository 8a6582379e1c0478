package assign

import (
	"encoding/json"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/schedule"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// genCommand draws a command over a small ID space, so that sequences reach
// rings, declines, transfers and deflections often.
func genCommand(at time.Time) *rapid.Generator[Command] {
	return rapid.Custom(func(t *rapid.T) Command {
		c := Command{
			Op:       rapid.SampledFrom(Ops()).Draw(t, "op"),
			At:       at,
			Call:     rapid.SampledFrom([]pb.CallID{"c1", "c2", "c3", "c4", "c5"}).Draw(t, "call"),
			Team:     rapid.SampledFrom([]pb.TeamID{"red", "blue"}).Draw(t, "team"),
			Teammate: rapid.SampledFrom([]pb.TeammateID{"ana", "ben", "cy"}).Draw(t, "teammate"),
			Status:   rapid.SampledFrom([]presence.Status{presence.Active, presence.Away}).Draw(t, "status"),
			Channel:  rapid.SampledFrom([]presence.Channel{presence.ChannelAll, presence.ChannelPhone, presence.ChannelConversations}).Draw(t, "channel"),
			Open:     rapid.Bool().Draw(t, "open"),
			On:       rapid.Bool().Draw(t, "on"),
			Decline:  rapid.SampledFrom([]eventlog.DeclineCause{eventlog.DeclineButton, eventlog.DeclineBusy}).Draw(t, "decline"),
			By:       rapid.SampledFrom([]eventlog.Party{eventlog.ByCustomer, eventlog.ByTeammate, eventlog.BySystem}).Draw(t, "by"),
			Override: rapid.SampledFrom([]schedule.Override{schedule.FollowHours, schedule.OutOfOffice}).Draw(t, "override"),
		}
		if c.Status == presence.Away {
			c.Reason = "Lunch"
		}
		c.Presence = presence.State{Channel: c.Channel, Status: c.Status, Reason: c.Reason, ClientOpen: c.Open}
		c.TeamConfig = TeamConfig{MaxQueue: rapid.IntRange(0, 3).Draw(t, "maxqueue"),
			MaxWait: rapid.SampledFrom([]time.Duration{0, 3 * time.Minute}).Draw(t, "maxwait")}
		c.Config = DefaultConfig()
		c.Config.WrapUp = rapid.SampledFrom([]time.Duration{0, 40 * time.Second}).Draw(t, "ws wrapup")
		c.Config.AutoAnswer = rapid.Bool().Draw(t, "ws autoanswer")
		c.Config.ShowTeamComposition = rapid.Bool().Draw(t, "ws composition")
		c.Config.Hours.Override = c.Override
		return c
	})
}

// commandSequence draws commands whose times move forward, with a setup
// that makes most of them valid.
func commandSequence(t *rapid.T) []Command {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	cmds := []Command{
		{Op: OpAddTeam, Team: "red", Name: "Red"},
		{Op: OpAddTeam, Team: "blue", Name: "Blue", TeamConfig: TeamConfig{MaxQueue: 2, MaxWait: 4 * time.Minute}},
	}
	for _, id := range []pb.TeammateID{"ana", "ben", "cy"} {
		cmds = append(cmds,
			Command{Op: OpAddTeammate, At: now, Teammate: id, Name: string(id), Presence: available()},
			Command{Op: OpAddMember, At: now, Team: "red", Teammate: id})
	}
	n := rapid.IntRange(1, 120).Draw(t, "n")
	for range n {
		now = now.Add(rapid.SampledFrom([]time.Duration{0, time.Second, 30 * time.Second, 2 * time.Minute, 5 * time.Minute}).Draw(t, "dt"))
		cmds = append(cmds, genCommand(now).Draw(t, "cmd"))
	}
	return cmds
}

// outcome is what one command did, for comparing two engines.
type outcome struct {
	Err   string
	Ready Ready
}

func applyAll(e *Engine, cmds []Command) []outcome {
	out := make([]outcome, 0, len(cmds))
	for _, c := range cmds {
		o := outcome{}
		if err := e.Apply(c); err != nil {
			o.Err = err.Error()
		}
		r := e.Ready()
		o.Ready = Ready{Effects: append([]Effect(nil), r.Effects...), Events: append([]eventlog.Event(nil), r.Events...)}
		out = append(out, o)
	}
	return out
}

// An engine rebuilt by replaying its command log, or restored from a
// snapshot (also through JSON), has the same state and then makes exactly
// the same decisions.
// Rule: AS3, AS5, AS7, AS12, X4, X5
func TestReplayAndSnapshotReproduceTheEngine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := DefaultConfig()
		cfg.WrapUp = rapid.SampledFrom([]time.Duration{0, 40 * time.Second}).Draw(t, "wrapup")
		cfg.AutoAnswer = rapid.Bool().Draw(t, "autoanswer")
		cfg.ShowTeamComposition = rapid.Bool().Draw(t, "composition")
		cmds := commandSequence(t)
		cut := rapid.IntRange(0, len(cmds)).Draw(t, "cut")

		orig, _ := New(cfg)
		applyAll(orig, cmds[:cut])
		snap := orig.Snapshot()

		replayed, _ := New(cfg)
		applyAll(replayed, cmds[:cut])
		require.Equal(t, snap.String(), replayed.Snapshot().String(), "replay")

		restored, err := Restore(snap)
		require.NoError(t, err)
		require.Equal(t, snap.String(), restored.Snapshot().String(), "restore")

		b, err := json.Marshal(snap)
		require.NoError(t, err)
		var decoded Snapshot
		require.NoError(t, json.Unmarshal(b, &decoded))
		fromJSON, err := Restore(decoded)
		require.NoError(t, err)
		require.Equal(t, snap.String(), fromJSON.Snapshot().String(), "restore from JSON")

		want := applyAll(orig, cmds[cut:])
		for name, e := range map[string]*Engine{"replayed": replayed, "restored": restored, "from JSON": fromJSON} {
			got := applyAll(e, cmds[cut:])
			require.Equal(t, want, got, "%s engine decided differently", name)
			require.Equal(t, orig.Snapshot().String(), e.Snapshot().String(), name)
		}
	})
}
