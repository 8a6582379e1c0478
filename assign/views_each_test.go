package assign

import (
	"slices"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/stretchr/testify/require"
)

// EachTeam, EachTeammate and EachCall visit exactly what the snapshot
// holds, each view equal to the one-by-one lookup, and stop when visit
// says so.
func TestEachViewsMatchLookups(t *testing.T) {
	cfg := DefaultConfig()
	cfg.EndedCallRetention = time.Hour
	s := newScene(t, cfg)
	s.team("sales", TeamConfig{}, "ana", "bo")
	s.team("support", TeamConfig{}, "bo", "cy", "di")
	e := s.e
	s.ok(e.Arrive(s.at(time.Second), "c1", "support")) // rings the longest idle
	s.ok(e.Decline(s.at(2*time.Second), "c1", s.ringing("c1"), eventlog.DeclineButton))
	s.ok(e.Arrive(s.at(3*time.Second), "c2", "sales"))
	s.ok(e.Answer(s.at(4*time.Second), "c2", s.ringing("c2")))
	s.ok(e.Arrive(s.at(5*time.Second), "c3", "support"))
	s.ok(e.HangUp(s.at(6*time.Second), "c3"))    // ended, retained
	s.ok(e.PlaceCall(s.at(7*time.Second), "c4")) // routing

	snap := e.Snapshot()
	teams := map[pb.TeamID]TeamView{}
	e.EachTeam(func(v TeamView) bool { teams[v.ID] = v; return true })
	require.Len(t, teams, len(snap.Teams))
	for _, ts := range snap.Teams {
		_, inQueue, ok := e.TeamCounts(ts.ID)
		require.True(t, ok)
		require.Equal(t, TeamView{ID: ts.ID, Name: ts.Name, Members: len(ts.Members), InQueue: inQueue}, teams[ts.ID])
	}

	mates := map[pb.TeammateID]TeammateView{}
	e.EachTeammate(func(v TeammateView) bool {
		v.Teams = slices.Clone(v.Teams) // reused once visit returns
		mates[v.ID] = v
		return true
	})
	require.Len(t, mates, len(snap.Teammates))
	for _, ts := range snap.Teammates {
		want, ok := e.Teammate(ts.ID)
		require.True(t, ok)
		require.Equal(t, want, mates[ts.ID])
	}
	require.Equal(t, []pb.TeamID{"sales", "support"}, mates["bo"].Teams)

	calls := map[pb.CallID]CallView{}
	e.EachCall(func(v CallView) bool { calls[v.ID] = v; return true })
	require.Len(t, calls, len(snap.Calls))
	require.Len(t, calls, 4)
	for _, cs := range snap.Calls {
		want, ok := e.Call(cs.ID)
		require.True(t, ok)
		require.Equal(t, want, calls[cs.ID])
	}
	require.True(t, calls["c3"].Ended)
	require.NotEmpty(t, calls["c1"].Excluded)

	n := 0
	e.EachTeammate(func(TeammateView) bool { n++; return false })
	e.EachCall(func(CallView) bool { n++; return false })
	e.EachTeam(func(TeamView) bool { n++; return false })
	require.Equal(t, 3, n, "each stops at the first false")
}
