package assign

import (
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/stretchr/testify/require"
)

// A teammate removed from a team while one of its calls rings for them
// stops ringing: the ring ends as a decline that is not the Decline
// button, with no exclusion, and the call goes at once to the next
// eligible member. The removed teammate can no longer answer it, so no call
// is answered in a team by a non-member, and Explain shows who is rung.
// Rule: AS2, AS6, AS8, X3
func TestRemoveMemberWhileRinging(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana", "ben")
	s.ok(s.e.Arrive(s.at(0), "c1", "sup"))
	require.Equal(t, "ana", string(s.ringing("c1")))
	s.take()

	s.ok(s.e.RemoveMember(s.at(time.Second), "sup", "ana"))
	r := s.effects
	require.Equal(t, []Effect{
		{Kind: StopRinging, Call: "c1", Teammate: "ana", Team: "sup"},
		{Kind: Ring, Call: "c1", Teammate: "ben", Team: "sup", Until: s.now.Add(30 * time.Second)},
	}, r)
	var declined []eventlog.Event
	for _, ev := range s.events {
		if ev.Kind == eventlog.CallDeclined {
			declined = append(declined, ev)
		}
	}
	require.Len(t, declined, 1)
	require.Equal(t, eventlog.DeclineWentAway, declined[0].Decline)
	require.Equal(t, "Call declined by ana", declined[0].Text())

	v, _ := s.e.Call("c1")
	require.Empty(t, v.Excluded, "removal is not a miss: no exclusion")
	require.ErrorIs(t, s.e.Answer(s.at(2*time.Second), "c1", "ana"), ErrNotRinging)

	x, err := s.e.Explain("c1")
	require.NoError(t, err)
	require.Len(t, x.Candidates, 1)
	require.Equal(t, Candidate{Teammate: "ben", Name: "ben", Why: Ringing, Until: v.RingUntil,
		Text: x.Candidates[0].Text}, x.Candidates[0])

	// Back in the team, ana may be offered the call again at once.
	s.ok(s.e.Decline(s.at(3*time.Second), "c1", "ben", eventlog.DeclineButton))
	s.ok(s.e.AddMember(s.now, "sup", "ana"))
	require.Equal(t, "ana", string(s.ringing("c1")))
	require.NoError(t, checkInvariants(s.e))
}

// Removing a teammate from another team than the ringing call's leaves
// the ring alone.
func TestRemoveMemberOfAnotherTeamKeepsTheRing(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana")
	s.team("sales", TeamConfig{}, "ana")
	s.ok(s.e.Arrive(s.at(0), "c1", "sup"))
	s.take()
	s.ok(s.e.RemoveMember(s.at(time.Second), "sales", "ana"))
	require.Equal(t, "ana", string(s.ringing("c1")))
	require.Empty(t, s.effects)
	require.NoError(t, checkInvariants(s.e))
}
