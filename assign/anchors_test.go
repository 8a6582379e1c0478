package assign

import (
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/stretchr/testify/require"
)

// The anchors' failures (rules X1-X9) as focused scenarios, each checked
// with checkInvariants after every step as well as by its own assertions.

// step requires a command to succeed and the invariants to hold after it.
func (s *scene) step(err error) {
	s.t.Helper()
	s.ok(err)
	require.NoError(s.t, checkInvariants(s.e))
}

// requireFree checks that nobody is ringing, reserved or on a call for the
// teammate, and that they are back in the offer order.
func (s *scene) requireFree(id pb.TeammateID, team pb.TeamID) {
	s.t.Helper()
	v, ok := s.e.Teammate(id)
	require.True(s.t, ok)
	require.Empty(s.t, v.Ringing, "%s still ringing", id)
	require.Zero(s.t, v.Calls, "%s still on a call", id)
	require.Equal(s.t, presence.Active, v.Presence.Status, "%s: %+v", id, v.Presence)
	require.True(s.t, v.Eligible, "%s is not eligible", id)
	require.Contains(s.t, ids(s.e.OfferOrder(team)), string(id))
}

// Every way a call can end or leave a teammate frees that teammate at
// once (no wrap-up configured): nobody stays reserved, ringing or "On a
// call", and the next call rings them.
// Rule: X4, X5, LC2, AS12
func TestNoTeammateStaysReservedAfterTheCallIsGone(t *testing.T) {
	ways := []struct {
		name string
		run  func(s *scene)
	}{
		{"customer hangs up while ringing", func(s *scene) { s.step(s.e.HangUp(s.now, "c1")) }},
		{"system ends it while ringing", func(s *scene) { s.step(s.e.EndCall(s.now, "c1", eventlog.BySystem)) }},
		{"goes to voicemail while ringing", func(s *scene) { s.step(s.e.Voicemail(s.now, "c1")) }},
		{"callback requested while ringing", func(s *scene) { s.step(s.e.RequestCallback(s.now, "c1")) }},
		{"declined", func(s *scene) { s.step(s.e.Decline(s.now, "c1", "ana", eventlog.DeclineBusy)) }},
		{"missed", func(s *scene) { s.step(s.e.Advance(s.at(30 * time.Second))) }},
		{"closes the client while ringing", func(s *scene) {
			s.step(s.e.SetClient(s.now, "ana", false, false))
			s.step(s.e.SetClient(s.now, "ana", true, false))
		}},
		{"hold timeout while ringing", func(s *scene) { s.step(s.e.Advance(s.at(20 * time.Second))) }},
		{"customer hangs up while talking", func(s *scene) {
			s.step(s.e.Answer(s.now, "c1", "ana"))
			s.step(s.e.HangUp(s.at(time.Minute), "c1"))
		}},
		{"teammate hangs up on hold", func(s *scene) {
			s.step(s.e.Answer(s.now, "c1", "ana"))
			s.step(s.e.Hold(s.at(time.Minute), "c1"))
			s.step(s.e.EndCall(s.at(2*time.Minute), "c1", eventlog.ByTeammate))
		}},
		{"transferred away", func(s *scene) {
			s.step(s.e.Answer(s.now, "c1", "ana"))
			s.step(s.e.Transfer(s.at(time.Minute), "c1", "other"))
		}},
		{"manual answer then hang-up", func(s *scene) {
			s.step(s.e.SetStatus(s.now, "ana", presence.Away, "Lunch")) // a decline: c1 waits
			s.step(s.e.HangUp(s.now, "c1"))
			s.step(s.e.SetStatus(s.now, "ana", presence.Away, "Lunch"))
			s.step(s.e.Arrive(s.at(time.Second), "c9", "sup"))
			s.step(s.e.ManualAnswer(s.now, "c9", "ana"))
			s.step(s.e.HangUp(s.at(time.Minute), "c9"))
			s.step(s.e.SetStatus(s.now, "ana", presence.Active, ""))
		}},
		{"outbound call ends", func(s *scene) {
			s.step(s.e.HangUp(s.now, "c1"))
			s.step(s.e.PlaceOutbound(s.at(time.Second), "o1", "ana"))
			s.step(s.e.CustomerAnswered(s.at(10*time.Second), "o1", false))
			s.step(s.e.EndCall(s.at(time.Minute), "o1", eventlog.ByCustomer))
		}},
		{"outbound call never picked up", func(s *scene) {
			s.step(s.e.HangUp(s.now, "c1"))
			s.step(s.e.PlaceOutbound(s.at(time.Second), "o1", "ana"))
			s.step(s.e.EndCall(s.at(time.Minute), "o1", eventlog.BySystem))
		}},
	}
	for _, w := range ways {
		t.Run(w.name, func(t *testing.T) {
			s := newScene(t, DefaultConfig())
			var cfg TeamConfig
			if w.name == "hold timeout while ringing" {
				cfg.MaxWait = 20 * time.Second
			}
			s.team("sup", cfg, "ana")
			s.team("other", TeamConfig{})
			s.step(s.e.Arrive(s.now, "c1", "sup"))
			require.Equal(t, pb.TeammateID("ana"), s.ringing("c1"))
			w.run(s)
			s.requireFree("ana", "sup")
			// The next call rings ana at once (X9: distribution goes on).
			s.take()
			s.step(s.e.Arrive(s.now, "next", "sup"))
			require.Equal(t, []string{"next→ana"}, s.rings())
			// Whatever remains of c1 is final or still legitimately waiting,
			// never answered by a teammate who left it.
			if v, ok := s.e.Call("c1"); ok && !v.Ended {
				require.NotEqual(t, pb.TeammateID("ana"), v.Agent)
			}
		})
	}
}

// A call that ended is final: no command brings it back to waiting,
// ringing or answered, and its deadlines are gone.
// Rule: X5, X3
func TestEndedCallStaysEnded(t *testing.T) {
	stages := map[string]func(s *scene){
		"routing": func(s *scene) { s.step(s.e.PlaceCall(s.now, "c1")) },
		"queued": func(s *scene) {
			s.step(s.e.SetStatus(s.now, "ana", presence.Away, "Lunch"))
			s.step(s.e.SetStatus(s.now, "ben", presence.Away, "Lunch"))
			s.step(s.e.Arrive(s.now, "c1", "sup"))
		},
		"ringing": func(s *scene) { s.step(s.e.Arrive(s.now, "c1", "sup")) },
		"talking": func(s *scene) {
			s.step(s.e.Arrive(s.now, "c1", "sup"))
			s.step(s.e.Answer(s.now, "c1", "ana"))
		},
		"voicemail": func(s *scene) {
			s.step(s.e.PlaceCall(s.now, "c1"))
			s.step(s.e.Voicemail(s.now, "c1"))
		},
	}
	for name, prepare := range stages {
		t.Run(name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.WrapUp = 10 * time.Second
			s := newScene(t, cfg)
			s.team("sup", TeamConfig{MaxWait: time.Minute}, "ana", "ben")
			prepare(s)
			s.step(s.e.HangUp(s.at(time.Second), "c1"))
			now := s.at(2 * time.Second)
			s.step(s.e.Advance(now)) // a refused command still advances the clock
			s.take()
			for _, op := range []func() error{
				func() error { return s.e.Answer(now, "c1", "ana") },
				func() error { return s.e.Answer(now, "c1", "ben") },
				func() error { return s.e.ManualAnswer(now, "c1", "ben") },
				func() error { return s.e.Decline(now, "c1", "ben", eventlog.DeclineBusy) },
				func() error { return s.e.Hold(now, "c1") },
				func() error { return s.e.Resume(now, "c1") },
				func() error { return s.e.Transfer(now, "c1", "sup") },
				func() error { return s.e.Voicemail(now, "c1") },
				func() error { return s.e.HangUp(now, "c1") },
				func() error { return s.e.Barge(now, "c1", "ben") },
			} {
				before := snapshot(s.e)
				require.Error(t, op())
				require.Equal(t, before, snapshot(s.e))
			}
			// Routing again is an abandoned assignment, which assigns nobody
			// (Rule: AS11), or, once answered, refused.
			if name == "talking" {
				require.ErrorIs(t, s.e.QueueCall(now, "c1", "sup"), ErrCallEnded)
			} else {
				s.step(s.e.QueueCall(now, "c1", "sup"))
				require.Empty(t, s.rings())
			}
			// Past every deadline the call had, nothing about it happens.
			s.take()
			s.step(s.e.Advance(s.at(9 * time.Minute)))
			for _, line := range s.callLines() {
				t.Errorf("ended call still has a timeline: %s", line)
			}
			v, ok := s.e.Call("c1")
			require.True(t, ok)
			require.True(t, v.Ended)
			require.Empty(t, v.Ringing)
			require.Empty(t, v.Agent)
			require.Empty(t, v.Excluded)
			require.Empty(t, s.e.Waiting("sup"))
		})
	}
}

// A ring timeout and an answer at the same instant: the deadline fires
// first (it is due at that time), so the answer is refused and exactly one
// outcome stands; the teammate is not on the call.
// Rule: X3, AS5
func TestAnswerAtTheRingDeadlineLosesToTheTimeout(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana", "ben")
	s.step(s.e.Arrive(s.now, "c1", "sup"))
	s.take()
	err := s.e.Answer(s.at(30*time.Second), "c1", "ana")
	require.ErrorIs(t, err, ErrNotRinging)
	require.NoError(t, checkInvariants(s.e))
	s.ok(nil)
	require.Equal(t, []string{"09:00:30 Call missed by ana.", "09:00:30 Call assigned to ben."}, s.callLines())
	v, _ := s.e.Teammate("ana")
	require.Zero(t, v.Calls)
	require.Empty(t, v.Ringing)
	// ben answering 1 ns before his deadline wins.
	s.step(s.e.Answer(s.at(time.Minute-time.Nanosecond), "c1", "ben"))
}

// A teammate who does not answer is not rung again for the same call
// within the exclusion period, however often the call comes back: after a
// miss, a going-away decline, a hold timeout and a re-queue.
// Rule: X1, X2, AS7
func TestNoRingLoopForTheSameCall(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{MaxWait: 3 * time.Minute}, "ana")
	s.step(s.e.Arrive(s.now, "c1", "sup"))
	s.step(s.e.Advance(s.at(30 * time.Second))) // miss
	for i := 1; i <= 8; i++ {
		s.step(s.e.SetStatus(s.at(time.Duration(30+i)*time.Second), "ana", presence.Away, "Lunch"))
		s.step(s.e.SetStatus(s.now, "ana", presence.Active, ""))
	}
	s.step(s.e.Advance(s.at(3 * time.Minute))) // hold timeout: back to routing
	s.step(s.e.QueueCall(s.at(3*time.Minute+time.Second), "c1", "sup"))
	s.step(s.e.Advance(s.at(5*time.Minute + 29*time.Second)))
	offers := 0
	for _, ef := range s.effects {
		if ef.Kind == Ring && ef.Call == "c1" {
			offers++
		}
	}
	require.Equal(t, 1, offers, "rung once in the first 5 minutes after the miss")
	s.step(s.e.Advance(s.at(5*time.Minute + 30*time.Second)))
	require.Equal(t, pb.TeammateID("ana"), s.ringing("c1"), "offered again when the exclusion lapses")
}

// Transferring an answered outbound call emits CallTransferred and
// CallQueued for an outbound call, which the event stream's documented
// shape (and the metrics collector) refuses; every event of the call after
// that is refused too. The engine should either refuse the transfer
// (ErrWrongState) or the stream should allow it.
// Rule: LC3, LC6
func TestTransferOfOutboundCall(t *testing.T) {
	e, err := New(DefaultConfig())
	require.NoError(t, err)
	col, err := metrics.New(metrics.DefaultConfig())
	require.NoError(t, err)
	observe := func(err error) error {
		for _, ev := range e.Ready().Events {
			require.NoError(t, col.Observe(ev), "event %v", ev.Kind)
		}
		return err
	}
	require.NoError(t, e.AddTeam("sup", "Support", TeamConfig{}))
	for _, id := range []pb.TeammateID{"ana", "ben"} {
		require.NoError(t, observe(e.AddTeammate(t0, id, string(id), available())))
		require.NoError(t, observe(e.AddMember(t0, "sup", id)))
	}
	require.NoError(t, observe(e.PlaceOutbound(t0, "o1", "ana")))
	require.NoError(t, observe(e.CustomerAnswered(t0.Add(time.Second), "o1", false)))
	require.ErrorIs(t, observe(e.Transfer(t0.Add(time.Minute), "o1", "sup")), ErrWrongState)
	require.NoError(t, observe(e.HangUp(t0.Add(2*time.Minute), "o1")))
}

// A burst of calls at one instant across two teams that share members:
// each call rings a different teammate, the longest idle of those still
// free in its team, and the call that finds nobody waits.
// Rule: X6, X8, AS3, AS4
func TestBurstAcrossTeamsRingsDistinctTeammates(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("red", TeamConfig{}, "ana", "ben", "dee")
	s.team("blue", TeamConfig{}, "ana", "cy", "dee")
	for i, id := range []pb.TeammateID{"dee", "cy", "ben", "ana"} {
		s.step(s.e.ReportAssignment(s.at(time.Duration(i+1)*time.Second), id))
	}
	s.take()
	s.at(10 * time.Second)
	for _, c := range []struct {
		id   pb.CallID
		team pb.TeamID
	}{{"r1", "red"}, {"b1", "blue"}, {"r2", "red"}, {"b2", "blue"}, {"r3", "red"}} {
		s.step(s.e.Arrive(s.now, c.id, c.team))
	}
	require.Equal(t, []string{"r1→dee", "b1→cy", "r2→ben", "b2→ana"}, s.rings())
	require.Equal(t, []string{"r3"}, callIDs(s.e.Waiting("red")))
	// The first to finish takes the waiting call.
	s.step(s.e.Decline(s.at(11*time.Second), "b1", "cy", eventlog.DeclineBusy))
	require.Empty(t, s.rings(), "cy is not in red")
	s.step(s.e.Answer(s.at(12*time.Second), "r2", "ben"))
	s.step(s.e.HangUp(s.at(13*time.Second), "r2"))
	require.Equal(t, []string{"r3→ben"}, s.rings())
}
