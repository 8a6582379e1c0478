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
)

// An inbound call from placement through routing, queue, ringing, talking,
// hold, end and wrap-up.
// Rule: LC1, AS13
func TestInboundLifecycle(t *testing.T) {
	cfg := DefaultConfig()
	cfg.WrapUp = time.Minute
	s := newScene(t, cfg)
	s.team("sup", TeamConfig{}, "ana")
	s.ok(s.e.PlaceCall(s.now, "c1"))
	s.ok(s.e.QueueCall(s.at(8*time.Second), "c1", "sup"))
	s.ok(s.e.Answer(s.at(20*time.Second), "c1", "ana"))
	s.ok(s.e.Hold(s.at(time.Minute), "c1"))
	s.ok(s.e.Resume(s.at(90*time.Second), "c1"))
	s.ok(s.e.EndCall(s.at(3*time.Minute), "c1", eventlog.ByTeammate))
	s.ok(s.e.Advance(s.at(5 * time.Minute)))
	require.Equal(t, []string{
		"09:00:00 Call placed by customer.",
		"09:00:08 Call queued for sup.",
		"09:00:08 Call assigned to ana.",
		"09:00:20 Call answered by ana.",
		"09:00:20 ana is now Away (On a call).",
		"09:01:00 Call placed on hold by ana.",
		"09:01:30 Call taken off hold by ana.",
		"09:03:00 Call ended by ana.",
		"09:03:00 ana is now Away (call wrap up).",
		"09:03:00 ana is wrapping up until 09:04:00.",
		"09:04:00 ana finished wrap up.",
		"09:04:00 ana is now Active.",
	}, s.take())
	v, _ := s.e.Call("c1")
	require.Equal(t, t0.Add(8*time.Second), v.InboxAssignedAt, "inbox assignment when routed to the team")
	require.Equal(t, t0.Add(20*time.Second), v.AgentAssignedAt, "agent assignment when a teammate accepted")
	require.True(t, v.Ended)
}

// The customer can hang up at any stage; afterwards nobody is ringing,
// reserved or on the call, and the call is final.
// Rule: LC2, X4, X5, EL1
func TestHangUpAtEveryStage(t *testing.T) {
	stages := []struct {
		name    string
		prepare func(s *scene)
		last    string
	}{
		{"routing", func(s *scene) { s.ok(s.e.PlaceCall(s.now, "c1")) }, "09:00:05 Call ended by customer."},
		{"queued", func(s *scene) {
			s.ok(s.e.SetStatus(s.now, "ana", presence.Away, "Lunch"))
			s.ok(s.e.Arrive(s.now, "c1", "sup"))
		}, "09:00:05 Call ended by customer before a teammate answered."},
		{"ringing", func(s *scene) { s.ok(s.e.Arrive(s.now, "c1", "sup")) }, "09:00:05 Call ended by customer before a teammate answered."},
		{"talking", func(s *scene) {
			s.ok(s.e.Arrive(s.now, "c1", "sup"))
			s.ok(s.e.Answer(s.now, "c1", "ana"))
		}, "09:00:05 Call ended by customer."},
		{"on hold", func(s *scene) {
			s.ok(s.e.Arrive(s.now, "c1", "sup"))
			s.ok(s.e.Answer(s.now, "c1", "ana"))
			s.ok(s.e.Hold(s.now, "c1"))
		}, "09:00:05 Call ended by customer."},
		{"voicemail", func(s *scene) {
			s.ok(s.e.PlaceCall(s.now, "c1"))
			s.ok(s.e.Voicemail(s.now, "c1"))
		}, "09:00:05 Call ended by customer."},
	}
	for _, st := range stages {
		t.Run(st.name, func(t *testing.T) {
			s := newScene(t, DefaultConfig())
			s.team("sup", TeamConfig{}, "ana")
			st.prepare(s)
			s.take()
			s.ok(s.e.HangUp(s.at(5*time.Second), "c1"))
			lines := s.callLines()
			require.Equal(t, st.last, lines[len(lines)-1])
			v, _ := s.e.Call("c1")
			require.True(t, v.Ended)
			require.Empty(t, v.Ringing)
			require.Empty(t, v.Agent)
			tm, _ := s.e.Teammate("ana")
			require.Empty(t, tm.Ringing)
			require.Zero(t, tm.Calls)
			require.Empty(t, s.e.Waiting("sup"))
			_, queued, _ := s.e.TeamCounts("sup")
			require.Zero(t, queued)
			require.ErrorIs(t, s.e.Answer(s.now, "c1", "ana"), ErrCallEnded)
			require.ErrorIs(t, s.e.HangUp(s.now, "c1"), ErrCallEnded)
			// The deadlines it had are gone: only its ID's retention is left.
			s.ok(s.e.Advance(s.at(time.Hour)))
			require.Empty(t, s.take())
			_, known := s.e.Call("c1")
			require.False(t, known, "forgotten after the retention")
		})
	}
}

// Each transfer starts a new queue segment, even to the same team; the
// teammate who transferred gets wrap-up right away.
// Rule: LC3, X7, PR6
func TestTransferStartsNewSegment(t *testing.T) {
	cfg := DefaultConfig()
	cfg.WrapUp = 30 * time.Second
	s := newScene(t, cfg)
	s.team("sup", TeamConfig{}, "ana", "ben")
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.ok(s.e.Answer(s.at(time.Second), "c1", "ana"))
	s.take()
	s.ok(s.e.Transfer(s.at(time.Minute), "c1", "sup"))
	require.Equal(t, []string{
		"09:01:00 Call transferred to sup by ana.",
		"09:01:00 ana is now Away (call wrap up).",
		"09:01:00 ana is wrapping up until 09:01:30.",
		"09:01:00 Call queued for sup.",
		"09:01:00 Call assigned to ben.",
	}, s.take())
	v, _ := s.e.Call("c1")
	require.Equal(t, 2, v.Segment)
	s.ok(s.e.Answer(s.at(time.Minute+5*time.Second), "c1", "ben"))
	s.ok(s.e.Transfer(s.at(2*time.Minute), "c1", "sup"))
	v, _ = s.e.Call("c1")
	require.Equal(t, 3, v.Segment)
	require.Equal(t, "ana", string(v.Ringing), "ana's wrap-up ended on time at 09:01:30")
}

// A teammate in several teams has one wrap-up, which ends once and frees
// them for every team.
// Rule: X7, PR6
func TestWrapUpWithSeveralTeams(t *testing.T) {
	cfg := DefaultConfig()
	cfg.WrapUp = time.Minute
	s := newScene(t, cfg)
	s.team("red", TeamConfig{}, "ana")
	s.team("blue", TeamConfig{}, "ana")
	s.ok(s.e.Arrive(s.now, "c1", "red"))
	s.ok(s.e.Answer(s.now, "c1", "ana"))
	s.ok(s.e.Arrive(s.at(10*time.Second), "b1", "blue"))
	s.ok(s.e.Arrive(s.at(11*time.Second), "r2", "red"))
	s.ok(s.e.HangUp(s.at(20*time.Second), "c1"))
	s.take()
	s.ok(s.e.Advance(s.at(79 * time.Second)))
	require.Empty(t, s.rings())
	s.ok(s.e.Advance(s.at(80 * time.Second)))
	require.Equal(t, []string{"b1→ana"}, s.rings(), "the oldest call across both teams")
}

// A supervisor barges into an active call.
// Rule: LC4, EL1
func TestBarge(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana", "sam")
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.ok(s.e.Answer(s.now, "c1", "ana"))
	s.take()
	s.ok(s.e.Barge(s.at(time.Minute), "c1", "sam"))
	require.Equal(t, []string{"09:01:00 sam joined the call."}, s.take())
	require.ErrorIs(t, s.e.Barge(s.now, "c1", "ana"), ErrWrongState, "the teammate on the call cannot barge")
}

// Voicemail and callbacks.
// Rule: LC5
func TestVoicemailAndCallback(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana")
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.ok(s.e.Voicemail(s.at(10*time.Second), "c1"))
	s.ok(s.e.RecordVoicemail(s.at(40*time.Second), "c1"))
	s.ok(s.e.EndCall(s.at(45*time.Second), "c1", eventlog.BySystem))
	require.Equal(t, []string{
		"09:00:00 Call placed by customer.",
		"09:00:00 Call queued for sup.",
		"09:00:00 Call assigned to ana.",
		"09:00:10 Call went to voicemail.",
		"09:00:40 Customer left a voicemail.",
		"09:00:45 Call ended.",
	}, s.callLines())
	tm, _ := s.e.Teammate("ana")
	require.Empty(t, tm.Ringing, "voicemail stopped the ring")

	s.ok(s.e.PlaceCall(s.at(time.Minute), "c2"))
	s.ok(s.e.RequestCallback(s.at(70*time.Second), "c2"))
	require.Equal(t, []string{
		"09:01:00 Call placed by customer.",
		"09:01:10 Customer requested a callback.",
		"09:01:10 Call ended.",
	}, s.callLines())
}

// A callback that keeps its place: the call stays in the same queue
// segment, at the same place, with the same wait clock, a ring in progress
// goes on, and the call is a callback for the rest of its life. Answered,
// the teammate is on it; a dial-back that does not reach the customer
// ends it by the system and the teammate gets wrap-up.
// Rule: LC5, AS12, PR6
func TestCallbackKeepsItsPlace(t *testing.T) {
	cfg := DefaultConfig()
	cfg.WrapUp = time.Minute
	s := newScene(t, cfg)
	s.team("sup", TeamConfig{MaxWait: 5 * time.Minute}, "ana")
	s.ok(s.e.SetStatus(s.now, "ana", presence.Away, "Lunch"))
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.ok(s.e.Arrive(s.at(time.Second), "c2", "sup"))
	s.ok(s.e.Arrive(s.at(2*time.Second), "c3", "sup"))
	s.take()
	before, _ := s.e.Call("c2")
	s.ok(s.e.QueueCallback(s.at(10*time.Second), "c2"))
	require.Equal(t, []string{"09:00:10 Customer requested a callback and keeps their place in the queue."}, s.callLines())
	require.Equal(t, []pb.CallID{"c1", "c2", "c3"}, s.e.Waiting("sup"), "same place")
	after, _ := s.e.Call("c2")
	require.True(t, after.Callback)
	require.Equal(t, eventlog.StageQueued, after.Stage)
	require.Equal(t, before.Segment, after.Segment, "same queue segment")
	require.Equal(t, before.InboxAssignedAt, after.InboxAssignedAt)
	x, err := s.e.Explain("c2")
	require.NoError(t, err)
	require.True(t, x.Callback)
	require.Contains(t, x.String(), "Call c2 (a callback), queued in sup")
	require.ErrorIs(t, s.e.QueueCallback(s.now, "c2"), ErrWrongState, "a call asks once")
	require.ErrorIs(t, s.e.RequestCallback(s.now, "c2"), ErrWrongState)
	require.ErrorIs(t, s.e.CallbackUnreached(s.now, "c1"), ErrWrongState, "not a callback")

	// Ana comes back: c1 first, then the callback, in arrival order.
	s.ok(s.e.SetStatus(s.at(20*time.Second), "ana", presence.Active, ""))
	require.Equal(t, []string{"c1→ana"}, s.rings())
	s.ok(s.e.Answer(s.at(25*time.Second), "c1", "ana"))
	s.ok(s.e.EndCall(s.at(30*time.Second), "c1", eventlog.ByTeammate))
	s.ok(s.e.Advance(s.at(90 * time.Second)))
	require.Equal(t, []string{"c2→ana"}, s.rings())
	s.ok(s.e.Answer(s.at(95*time.Second), "c2", "ana"))
	s.take()
	s.ok(s.e.CallbackUnreached(s.at(2*time.Minute), "c2"))
	require.Equal(t, []string{
		"09:02:00 Callback did not reach the customer.",
		"09:02:00 Call ended.",
		"09:02:00 ana is now Away (call wrap up).",
		"09:02:00 ana is wrapping up until 09:03:00.",
	}, s.take())
	v, _ := s.e.Call("c2")
	require.True(t, v.Ended)
	require.True(t, v.Callback, "a callback for the rest of its life")
	require.Equal(t, presence.ReasonWrapUp, s.presence("ana").Reason)
}

// A callback keeps its wait clock: the hold timeout deflects it back to
// routing as any queued call (the host's workflow decides), where an
// unreached callback ends it. Requested while ringing, the ring goes on.
// Rule: LC5, DF5, AS5
func TestCallbackOnTheQueueRules(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{MaxWait: time.Minute}, "ana")
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.ok(s.e.QueueCallback(s.at(5*time.Second), "c1"))
	require.Equal(t, pb.TeammateID("ana"), s.ringing("c1"), "the ring goes on")
	s.ok(s.e.Advance(s.at(30 * time.Second)))
	s.ok(s.e.Advance(s.at(time.Minute)))
	require.Equal(t, []string{
		"09:00:00 Call placed by customer.",
		"09:00:00 Call queued for sup.",
		"09:00:00 Call assigned to ana.",
		"09:00:05 Customer requested a callback and keeps their place in the queue.",
		"09:00:30 Call missed by ana.",
		"09:01:00 Call deflected because Customer has been waiting on hold for more than 1 minutes.",
	}, s.callLines())
	v, _ := s.e.Call("c1")
	require.Equal(t, eventlog.StageRouting, v.Stage)
	require.True(t, v.Callback)
	require.ErrorIs(t, s.e.QueueCallback(s.now, "c1"), ErrWrongState, "not waiting")
	s.ok(s.e.CallbackUnreached(s.at(61*time.Second), "c1"))
	require.Equal(t, []string{
		"09:01:01 Callback did not reach the customer.",
		"09:01:01 Call ended.",
	}, s.callLines())
}

// The callback flag survives a snapshot and its restore.
// Rule: LC5
func TestCallbackSurvivesRestore(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana")
	s.ok(s.e.SetStatus(s.now, "ana", presence.Away, "Lunch"))
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.ok(s.e.QueueCallback(s.at(time.Second), "c1"))
	b, err := json.Marshal(s.e.Snapshot())
	require.NoError(t, err)
	var snap Snapshot
	require.NoError(t, json.Unmarshal(b, &snap))
	e, err := Restore(snap)
	require.NoError(t, err)
	v, _ := e.Call("c1")
	require.True(t, v.Callback)
	require.ErrorIs(t, e.QueueCallback(s.now, "c1"), ErrWrongState)
}

// Outbound calls: the teammate is on a call while it lasts; voicemail
// picking up counts as answered.
// Rule: LC6, MT14, PR4
func TestOutboundCall(t *testing.T) {
	cfg := DefaultConfig()
	cfg.WrapUp = 0
	s := newScene(t, cfg)
	s.team("sup", TeamConfig{}, "ana")
	s.ok(s.e.PlaceOutbound(s.now, "o1", "ana"))
	require.Equal(t, presence.ReasonOnACall, s.presence("ana").Reason)
	s.ok(s.e.Arrive(s.at(time.Second), "c1", "sup"))
	require.Empty(t, s.rings(), "busy with the outbound call")
	s.ok(s.e.CustomerAnswered(s.at(10*time.Second), "o1", true))
	s.ok(s.e.EndCall(s.at(40*time.Second), "o1", eventlog.ByTeammate))
	require.Equal(t, []string{"c1→ana"}, s.rings())
}

// Deflection, all five reasons, each worded as the product words it.
// Rule: DF1, DF2, DF3, DF4, DF5, EL2
func TestDeflectionReasons(t *testing.T) {
	t.Run("queue full", func(t *testing.T) {
		s := newScene(t, DefaultConfig())
		s.team("sup", TeamConfig{MaxQueue: 2}, "ana")
		s.ok(s.e.Arrive(s.now, "c1", "sup")) // rings ana, still in the queue
		s.ok(s.e.Arrive(s.now, "c2", "sup"))
		s.take()
		s.ok(s.e.Arrive(s.now, "c3", "sup"))
		require.Equal(t, []string{"09:00:00 Call placed by customer.", "09:00:00 Call deflected because Queue is longer than 2 calls."}, s.callLines())
		v, _ := s.e.Call("c3")
		require.Equal(t, eventlog.StageRouting, v.Stage, "back to the host's workflow")
	})
	t.Run("no teammates available", func(t *testing.T) {
		s := newScene(t, DefaultConfig())
		s.team("sup", TeamConfig{DeflectWhenNobodyOnline: true}, "ana")
		s.ok(s.e.SetStatus(s.now, "ana", presence.Away, "Lunch"))
		s.take()
		s.ok(s.e.Arrive(s.now, "c1", "sup"))
		require.Contains(t, s.callLines(), "09:00:00 Call deflected because No teammates available.")
		// On a call counts as online: the next call queues.
		s.ok(s.e.SetStatus(s.now, "ana", presence.Active, ""))
		s.ok(s.e.Arrive(s.now, "c2", "sup"))
		s.ok(s.e.Answer(s.now, "c2", "ana"))
		s.take()
		s.ok(s.e.Arrive(s.now, "c3", "sup"))
		require.Contains(t, s.callLines(), "09:00:00 Call queued for sup.")
	})
	t.Run("workspace out of office", func(t *testing.T) {
		cfg := DefaultConfig()
		cfg.Hours = schedule.Hours{Weekly: schedule.Weekdays(9*time.Hour, 17*time.Hour)}
		s := newScene(t, cfg)
		s.team("sup", TeamConfig{}, "ana")
		s.ok(s.e.Arrive(s.at(8*time.Hour+30*time.Minute), "c1", "sup")) // 17:30
		require.Contains(t, s.callLines(), "17:30:00 Call deflected because Workspace out of office.")
		s.ok(s.e.SetWorkspaceOverride(s.now, schedule.ForceOpen))
		s.ok(s.e.Arrive(s.now, "c2", "sup"))
		require.Equal(t, []string{"c2→ana"}, s.rings())
	})
	t.Run("team out of office", func(t *testing.T) {
		s := newScene(t, DefaultConfig())
		s.team("billing", TeamConfig{}, "ana")
		s.ok(s.e.SetTeamOverride(s.now, "billing", schedule.OutOfOffice))
		s.ok(s.e.Arrive(s.now, "c1", "billing"))
		require.Contains(t, s.callLines(), "09:00:00 Call deflected because billing is out of office.")
	})
	t.Run("hold timeout", func(t *testing.T) {
		s := newScene(t, DefaultConfig())
		s.team("sup", TeamConfig{MaxWait: 10 * time.Minute}, "ana")
		s.ok(s.e.Arrive(s.now, "c1", "sup"))
		s.ok(s.e.Decline(s.now, "c1", "ana", eventlog.DeclineButton))
		s.take()
		s.ok(s.e.Advance(s.at(time.Hour)))
		require.Equal(t, []string{
			"09:05:00 Call assigned to ana.",
			"09:05:30 Call missed by ana.",
			"09:10:00 Call deflected because Customer has been waiting on hold for more than 10 minutes.",
		}, s.callLines())
		require.Empty(t, s.e.Waiting("sup"))
	})
}

// Team composition entries at every assignment, only when turned on.
// Rule: EL3
func TestTeamCompositionEntries(t *testing.T) {
	for _, on := range []bool{false, true} {
		cfg := DefaultConfig()
		cfg.ShowTeamComposition = on
		s := newScene(t, cfg)
		s.team("sup", TeamConfig{}, "ana", "ben", "cy", "dee")
		s.ok(s.e.SetStatus(s.now, "ben", presence.Away, "Lunch"))
		s.ok(s.e.SetClient(s.now, "cy", true, true))
		s.take()
		s.ok(s.e.Arrive(s.at(time.Second), "c1", "sup"))
		lines := s.callLines()
		if !on {
			require.NotContains(t, lines, "09:00:01 Teammates away: 1", "off by default")
			continue
		}
		require.Equal(t, []string{
			"09:00:01 Call placed by customer.",
			"09:00:01 Call queued for sup.",
			"09:00:01 Teammates away: 1",
			"09:00:01 Teammates available but with no active phone client: 1",
			"09:00:01 Teammates available: 2",
			"09:00:01 Call assigned to ana.",
		}, lines)
	}
}

// The answer is logged the moment it happens, even if the connection then
// fails; a connectivity decline reads differently from the button.
// Rule: EL4, EL1
func TestExplicitAnswerAndDecline(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana", "ben", "cy")
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.ok(s.e.Decline(s.now, "c1", "ana", eventlog.DeclineConnectivity))
	s.ok(s.e.Decline(s.now, "c1", "ben", eventlog.DeclineButton))
	s.ok(s.e.Answer(s.at(time.Second), "c1", "cy"))
	s.ok(s.e.EndCall(s.at(2*time.Second), "c1", eventlog.BySystem)) // the connection drops
	lines := s.callLines()
	require.Contains(t, lines, "09:00:00 Call declined by ana")
	require.Contains(t, lines, "09:00:00 Call declined by ben using the Decline button.")
	require.Contains(t, lines, "09:00:01 Call answered by cy.")
}

// A teammate may claim a waiting call from the shared pool.
// Rule: AS10, EL1
func TestManualAnswer(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana", "ben")
	s.ok(s.e.SetStatus(s.now, "ana", presence.Away, "Lunch"))
	s.ok(s.e.SetStatus(s.now, "ben", presence.Away, "Lunch"))
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.take()
	s.ok(s.e.ManualAnswer(s.at(20*time.Second), "c1", "ben"))
	require.Equal(t, []string{"09:00:20 Manual answer requested by ben.", "09:00:20 Call answered by ben."}, s.callLines())
	v, _ := s.e.Call("c1")
	require.Equal(t, "ben", string(v.Agent))
	require.Equal(t, t0.Add(20*time.Second), v.AgentAssignedAt)
}

// An assignment that starts after the customer hung up is logged and
// assigns nobody.
// Rule: AS11, EL1
func TestAbandonedCallAssignment(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana")
	s.ok(s.e.PlaceCall(s.now, "c1"))
	s.ok(s.e.HangUp(s.at(3*time.Second), "c1"))
	s.take()
	s.ok(s.e.QueueCall(s.at(4*time.Second), "c1", "sup"))
	require.Equal(t, []string{"09:00:04 Started assignment after call ended without an assignee."}, s.take())
	require.Empty(t, s.rings())
	tm, _ := s.e.Teammate("ana")
	require.Empty(t, tm.Ringing)
}

// Races resolve to exactly one outcome.
// Rule: X3
func TestRacesHaveOneOutcome(t *testing.T) {
	t.Run("answer at the ring deadline loses to the timeout", func(t *testing.T) {
		s := newScene(t, DefaultConfig())
		s.team("sup", TeamConfig{}, "ana")
		s.ok(s.e.Arrive(s.now, "c1", "sup"))
		require.ErrorIs(t, s.e.Answer(s.at(30*time.Second), "c1", "ana"), ErrNotRinging)
		s.ok(nil)
		require.Contains(t, s.callLines(), "09:00:30 Call missed by ana.")
	})
	t.Run("answer just before the deadline wins", func(t *testing.T) {
		s := newScene(t, DefaultConfig())
		s.team("sup", TeamConfig{}, "ana")
		s.ok(s.e.Arrive(s.now, "c1", "sup"))
		s.ok(s.e.Answer(s.at(30*time.Second-time.Nanosecond), "c1", "ana"))
		s.ok(s.e.Advance(s.at(time.Hour)))
		require.NotContains(t, s.callLines(), "09:00:30 Call missed by ana.")
	})
	t.Run("two answers", func(t *testing.T) {
		s := newScene(t, DefaultConfig())
		s.team("sup", TeamConfig{}, "ana", "ben")
		s.ok(s.e.Arrive(s.now, "c1", "sup"))
		s.ok(s.e.Answer(s.at(time.Second), "c1", "ana"))
		require.ErrorIs(t, s.e.Answer(s.now, "c1", "ben"), ErrNotRinging)
		require.ErrorIs(t, s.e.Answer(s.now, "c1", "ana"), ErrNotRinging)
		v, _ := s.e.Call("c1")
		require.Equal(t, "ana", string(v.Agent))
	})
	t.Run("answer against hang-up", func(t *testing.T) {
		s := newScene(t, DefaultConfig())
		s.team("sup", TeamConfig{}, "ana")
		s.ok(s.e.Arrive(s.now, "c1", "sup"))
		s.ok(s.e.HangUp(s.at(time.Second), "c1"))
		require.ErrorIs(t, s.e.Answer(s.now, "c1", "ana"), ErrCallEnded)
		tm, _ := s.e.Teammate("ana")
		require.Zero(t, tm.Calls)
	})
	t.Run("decline against timeout", func(t *testing.T) {
		s := newScene(t, DefaultConfig())
		s.team("sup", TeamConfig{}, "ana")
		s.ok(s.e.Arrive(s.now, "c1", "sup"))
		require.ErrorIs(t, s.e.Decline(s.at(31*time.Second), "c1", "ana", eventlog.DeclineButton), ErrNotRinging)
		s.ok(nil)
		lines := s.callLines()
		require.Contains(t, lines, "09:00:30 Call missed by ana.")
		require.NotContains(t, lines, "09:00:31 Call declined by ana using the Decline button.")
	})
}

// Explain lists the team in offer order with each member's reason.
// Rule: AS2, AS3, AS7
func TestExplain(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana", "ben", "cy", "dee", "eve", "fay")
	s.ok(s.e.SetStatus(s.now, "ben", presence.Away, "Lunch"))
	s.ok(s.e.SetClient(s.now, "cy", false, false))
	s.ok(s.e.SetChannel(s.now, "dee", presence.ChannelConversations))
	s.ok(s.e.PlaceOutbound(s.now, "o1", "fay"))
	s.ok(s.e.Arrive(s.at(time.Second), "c1", "sup"))
	s.ok(s.e.Decline(s.at(2*time.Second), "c1", "ana", eventlog.DeclineButton))
	x, err := s.e.Explain("c1")
	require.NoError(t, err)
	require.Equal(t, `Call c1, ringing in sup at 09:00:02:
  1. ana: declined or missed this call; excluded until 09:05:02
  2. ben: away (Lunch)
  3. cy: available but with no active phone client
  4. dee: channel availability is Conversations
  5. eve: ringing until 09:00:32
  6. fay: at the call limit (on a call)
`, x.String())
	_, err = s.e.Explain("nope")
	require.ErrorIs(t, err, ErrUnknownCall)
}

// Explanations and views encode to JSON, reasons by name.
// Rule: AS2
func TestExplanationEncodesToJSON(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana", "ben", "cy")
	s.ok(s.e.SetChannel(s.now, "cy", presence.ChannelConversations))
	s.ok(s.e.Arrive(s.at(time.Second), "c1", "sup"))
	x, err := s.e.Explain("c1")
	require.NoError(t, err)
	b, err := json.Marshal(x)
	require.NoError(t, err)
	require.Contains(t, string(b), `"why":"ringing"`)
	require.Contains(t, string(b), `"why":"channel","channel":"Conversations"`)
	var back Explanation
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, x.String(), back.String())
	v, _ := s.e.Call("c1")
	b, err = json.Marshal(v)
	require.NoError(t, err)
	require.Contains(t, string(b), `"direction":"inbound","stage":"ringing"`)
	tv, _ := s.e.Teammate("ana")
	_, err = json.Marshal(tv)
	require.NoError(t, err)
}
