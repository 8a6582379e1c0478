package assign

import (
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/stretchr/testify/require"
)

// With a call limit of 2, a teammate who ends one call while another is
// live becomes Active at once, with no wrap-up; wrap-up only follows
// a call that ends while they are Away "On a call". Found by the model test: a manual answer, a ring once
// the client opened, an answer, then the first call's end.
// Rule: PR4, PR6, AS4, AS10, X7
func TestRegressionNoWrapUpWhileAnotherCallIsLive(t *testing.T) {
	cfg := DefaultConfig()
	cfg.WrapUp, cfg.CallLimit = 20*time.Second, 2
	s := newScene(t, cfg)
	require.NoError(t, s.e.AddTeam("red", "Red", TeamConfig{}))
	closed := available()
	closed.ClientOpen = false
	s.ok(s.e.AddTeammate(s.now, "ana", "ana", closed))
	s.ok(s.e.AddMember(s.now, "red", "ana"))
	s.ok(s.e.Arrive(s.now, "c1", "red"))
	s.ok(s.e.Arrive(s.now, "c2", "red"))
	s.ok(s.e.ManualAnswer(s.now, "c1", "ana"))
	s.ok(s.e.SetClient(s.now, "ana", true, false))
	require.Equal(t, "ana", string(s.ringing("c2")))
	s.ok(s.e.Answer(s.at(time.Second), "c2", "ana"))
	require.Equal(t, presence.ReasonOnACall, s.presence("ana").Reason)

	s.ok(s.e.EndCall(s.at(2*time.Second), "c1", eventlog.ByCustomer))
	p := s.presence("ana")
	require.Equal(t, presence.Active, p.Status, "below the limit with a call live: Active")
	require.False(t, p.InWrapUp())

	// Already Active, the end of the last call changes nothing more.
	s.ok(s.e.EndCall(s.at(3*time.Second), "c2", eventlog.ByCustomer))
	require.Equal(t, presence.Active, s.presence("ana").Status)
	require.False(t, s.presence("ana").InWrapUp())
	require.NoError(t, checkInvariants(s.e))
}

// An engine restored from a snapshot ends wrap-up after an outbound call
// at the same instant as the original, with the same events. Found by the
// replay test when deadlines were kept apart from what they belong to.
// Rule: PR6, LC6, X7
func TestRegressionRestoredEngineEndsWrapUpOnTime(t *testing.T) {
	cfg := DefaultConfig()
	cfg.WrapUp = 40 * time.Second
	orig, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, orig.AddTeam("red", "Red", TeamConfig{}))
	require.NoError(t, orig.AddTeammate(t0, "ana", "ana", available()))
	require.NoError(t, orig.AddMember(t0, "red", "ana"))
	orig.Ready()

	before, err := Restore(orig.Snapshot())
	require.NoError(t, err)
	for _, e := range []*Engine{orig, before} {
		require.NoError(t, e.PlaceOutbound(t0, "c2", "ana"))
		require.NoError(t, e.EndCall(t0, "c2", eventlog.ByCustomer))
		e.Ready()
	}
	during, err := Restore(orig.Snapshot())
	require.NoError(t, err)

	var want []eventlog.Event
	for i, e := range []*Engine{orig, before, during} {
		require.NoError(t, e.Advance(t0.Add(5*time.Minute)))
		got := e.Ready().Events
		require.Len(t, got, 2)
		require.Equal(t, eventlog.WrapUpEnded, got[0].Kind)
		require.Equal(t, t0.Add(40*time.Second), got[0].At)
		if i == 0 {
			want = got
		}
		require.Equal(t, want, got)
	}
}
