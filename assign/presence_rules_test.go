package assign

import (
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/stretchr/testify/require"
)

// Only the All and Phone channels take phone calls.
// Rule: PR1
func TestChannelDecidesWhoTakesPhoneCalls(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana", "ben", "cy")
	s.ok(s.e.SetChannel(s.now, "ana", presence.ChannelConversations))
	s.ok(s.e.SetChannel(s.now, "ben", presence.ChannelPhone))
	s.take()
	s.ok(s.e.Arrive(s.at(time.Second), "c1", "sup"))
	s.ok(s.e.Arrive(s.at(time.Second), "c2", "sup"))
	s.ok(s.e.Arrive(s.at(time.Second), "c3", "sup"))
	require.Equal(t, []string{"c1→ben", "c2→cy"}, s.rings(), "ana is on Conversations")
	require.Equal(t, presence.ChannelConversations, s.presence("ana").Channel)
}

// Away teammates are never offered calls; the reason is kept.
// Rule: PR2
func TestAwayTeammatesAreNotOffered(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana", "ben")
	s.ok(s.e.SetStatus(s.now, "ana", presence.Away, "Lunch"))
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	require.Equal(t, []string{"c1→ben"}, s.rings())
	require.Equal(t, presence.State{Channel: presence.ChannelAll, Status: presence.Away, Reason: "Lunch", ClientOpen: true}, s.presence("ana"))
}

// A closed or backgrounded client cannot ring, and is counted apart.
// Rule: PR3, EL3
func TestNoActivePhoneClient(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana", "ben", "cy")
	s.ok(s.e.SetClient(s.now, "ana", false, false))
	s.ok(s.e.SetClient(s.now, "ben", true, true))
	s.ok(s.e.SetStatus(s.now, "cy", presence.Away, "Meeting"))
	counts, _, _ := s.e.TeamCounts("sup")
	require.Equal(t, presence.Counts{Away: 1, NoActiveClient: 2}, counts)
	s.take()
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	require.Empty(t, s.rings())
	s.ok(s.e.SetClient(s.at(time.Minute), "ben", true, false))
	require.Equal(t, []string{"c1→ben"}, s.rings(), "a client brought to the foreground takes the waiting call")
}

// Answering makes the teammate Away "On a call"; with Reassign replies on
// the host is told.
// Rule: PR4
func TestAnsweringSetsOnACallAndReassignsReplies(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana", "ben")
	s.ok(s.e.SetReassignReplies(s.now, "ana", true))
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.ok(s.e.Arrive(s.now, "c2", "sup"))
	s.take()
	s.ok(s.e.Answer(s.at(5*time.Second), "c1", "ana"))
	require.Equal(t, presence.Away, s.presence("ana").Status)
	require.Equal(t, presence.ReasonOnACall, s.presence("ana").Reason)
	require.Equal(t, []Effect{{Kind: ReassignReplies, Teammate: "ana"}}, s.effects)
	require.Equal(t, []string{
		"09:00:05 Call answered by ana.",
		"09:00:05 ana is now Away (On a call).",
		"09:00:05 ana is on a call: conversation replies are reassigned.",
	}, s.take())
	s.ok(s.e.Answer(s.at(6*time.Second), "c2", "ben"))
	require.Empty(t, s.effects, "ben's toggle is off")
}

// Messenger web/video calls leave status alone.
// Rule: PR5
func TestMessengerCallsLeaveStatusAlone(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana")
	before := s.presence("ana")
	s.ok(s.e.StartMessengerCall(s.at(time.Second), "ana"))
	require.Equal(t, before, s.presence("ana"))
	require.Empty(t, s.take())
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	require.Equal(t, []string{"c1→ana"}, s.rings(), "still offered phone calls")
}

// Wrap-up: Away "call wrap up" until it elapses, then Active on its own and
// offered the waiting call; "Switch to active" ends it early.
// Rule: PR6, AS12, X7
func TestWrapUp(t *testing.T) {
	cfg := DefaultConfig()
	cfg.WrapUp = 2 * time.Minute
	s := newScene(t, cfg)
	s.team("sup", TeamConfig{}, "ana")
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.ok(s.e.Answer(s.at(3*time.Second), "c1", "ana"))
	s.ok(s.e.Arrive(s.at(10*time.Second), "c2", "sup"))
	s.take()
	s.ok(s.e.EndCall(s.at(time.Minute), "c1", eventlog.ByTeammate))
	require.Equal(t, presence.ReasonWrapUp, s.presence("ana").Reason)
	next, _ := s.e.NextDeadline()
	require.Equal(t, t0.Add(3*time.Minute), next)
	s.ok(s.e.Advance(s.at(2*time.Minute + 59*time.Second)))
	require.Empty(t, s.ringing("c2"))
	s.ok(s.e.Advance(s.at(5 * time.Minute)))
	require.Equal(t, []string{
		"09:01:00 Call ended by ana.",
		"09:01:00 ana is now Away (call wrap up).",
		"09:01:00 ana is wrapping up until 09:03:00.",
		"09:03:00 ana finished wrap up.",
		"09:03:00 ana is now Active.",
		"09:03:00 Call assigned to ana.",
		"09:03:30 Call missed by ana.",
	}, s.take(), "wrap-up ends exactly on time and the waiting call is offered then")

	// Rung again once the exclusion lapses; then "Switch to active" ends
	// the next wrap-up early.
	s.ok(s.e.Answer(s.at(8*time.Minute+40*time.Second), "c2", "ana"))
	s.ok(s.e.HangUp(s.at(9*time.Minute), "c2"))
	require.True(t, s.presence("ana").InWrapUp())
	s.take()
	s.ok(s.e.SetStatus(s.at(9*time.Minute+10*time.Second), "ana", presence.Active, ""))
	require.Equal(t, []string{"09:09:10 ana finished wrap up.", "09:09:10 ana is now Active."}, s.take())
	s.ok(s.e.Advance(s.at(11 * time.Minute)))
	require.Empty(t, s.take(), "no wrap-up deadline is left behind")
}

// An admin's channel change applies to the very next decision.
// Rule: PR7
func TestAdminChannelChangeAppliesAtOnce(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana")
	s.ok(s.e.SetChannel(s.now, "ana", presence.ChannelConversations))
	s.ok(s.e.Arrive(s.at(time.Second), "c1", "sup"))
	require.Empty(t, s.rings())
	s.ok(s.e.SetChannel(s.at(2*time.Second), "ana", presence.ChannelPhone))
	require.Equal(t, []string{"c1→ana"}, s.rings())
	// Switching back while it rings ends the ring as a decline.
	s.ok(s.e.SetChannel(s.at(3*time.Second), "ana", presence.ChannelConversations))
	require.Contains(t, s.callLines(), "09:00:03 Call declined by ana")
}

// Nothing but eligibility decides: every eligible teammate is offered calls
// in turn, and the engine has no permission or opt-out switch to consult.
// Rule: PR8, AS1
func TestEveryEligibleTeammateIsOfferedInTurn(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana", "ben", "cy")
	var got []string
	for i, c := range []string{"c1", "c2", "c3", "c4", "c5", "c6"} {
		at := time.Duration(i) * time.Minute
		s.ok(s.e.Arrive(s.at(at), callID(c), "sup"))
		r := s.rings()
		got = append(got, r...)
		tm := s.ringing(callID(c))
		s.ok(s.e.Answer(s.at(at+time.Second), callID(c), tm))
		s.ok(s.e.HangUp(s.at(at+10*time.Second), callID(c)))
	}
	require.Equal(t, []string{"c1→ana", "c2→ben", "c3→cy", "c4→ana", "c5→ben", "c6→cy"}, got)
}
