package assign

import (
	"errors"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/stretchr/testify/require"
)

// Eligibility is the conjunction of channel, status, client, call limit,
// exclusion and team membership; dropping any one condition blocks the
// offer.
// Rule: AS2
func TestEligibilityNeedsEveryCondition(t *testing.T) {
	block := map[string]func(s *scene){
		"channel":    func(s *scene) { s.ok(s.e.SetChannel(s.now, "ana", presence.ChannelConversations)) },
		"status":     func(s *scene) { s.ok(s.e.SetStatus(s.now, "ana", presence.Away, "Break")) },
		"client":     func(s *scene) { s.ok(s.e.SetClient(s.now, "ana", false, false)) },
		"call limit": func(s *scene) { s.ok(s.e.PlaceOutbound(s.now, "out", "ana")) },
		"membership": func(s *scene) { s.ok(s.e.RemoveMember(s.now, "sup", "ana")) },
	}
	for name, apply := range block {
		t.Run(name, func(t *testing.T) {
			s := newScene(t, DefaultConfig())
			s.team("sup", TeamConfig{}, "ana")
			apply(s)
			s.ok(s.e.Arrive(s.at(time.Second), "c1", "sup"))
			require.Empty(t, s.rings())
		})
	}
	t.Run("exclusion", func(t *testing.T) {
		s := newScene(t, DefaultConfig())
		s.team("sup", TeamConfig{}, "ana")
		s.ok(s.e.Arrive(s.now, "c1", "sup"))
		s.take()
		s.ok(s.e.Decline(s.at(time.Second), "c1", "ana", eventlog.DeclineButton))
		require.Empty(t, s.rings())
		s.ok(s.e.Arrive(s.at(2*time.Second), "c2", "sup"))
		require.Equal(t, []string{"c2→ana"}, s.rings(), "excluded from c1 only")
	})
}

// Longest idle first by last conversation assignment of any kind; never
// assigned first; ties by ID; conversation counts play no part.
// Rule: AS3, X8
func TestLongestIdleOrder(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "dee", "cy", "ben", "ana")
	// ana and ben get many chats, cy one, dee none.
	for i := range 5 {
		s.ok(s.e.ReportAssignment(s.at(time.Duration(i)*time.Second), "ana"))
		s.ok(s.e.ReportAssignment(s.now, "ben"))
	}
	s.ok(s.e.ReportAssignment(s.at(10*time.Second), "cy"))
	require.Equal(t, []string{"dee", "ana", "ben", "cy"}, ids(s.e.OfferOrder("sup")),
		"dee never assigned; ana and ben tie on time and break by ID; counts ignored")
	s.ok(s.e.ReportAssignment(s.at(11*time.Second), "dee"))
	require.Equal(t, []string{"ana", "ben", "cy", "dee"}, ids(s.e.OfferOrder("sup")))
	s.take()
	s.ok(s.e.Arrive(s.at(12*time.Second), "c1", "sup"))
	require.Equal(t, []string{"c1→ana"}, s.rings())
}

// One call at a time: a ringing call and an active call both count.
// Rule: AS4
func TestCallLimitCountsRinging(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana")
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.ok(s.e.Arrive(s.now, "c2", "sup"))
	require.Equal(t, []string{"c1→ana"}, s.rings(), "ringing with c1, not offered c2")
	s.ok(s.e.Answer(s.at(time.Second), "c1", "ana"))
	s.ok(s.e.SetStatus(s.now, "ana", presence.Active, "")) // even Active, the call counts
	require.Empty(t, s.rings())
	s.ok(s.e.HangUp(s.at(time.Minute), "c1"))
	require.Equal(t, []string{"c2→ana"}, s.rings())
}

// A ring lasts 30 s; unanswered it is a miss, the teammate is excluded and
// the next eligible teammate is offered the call at once.
// Rule: AS5, EL1
func TestRingTimeoutIsAMiss(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana", "ben")
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	require.Equal(t, []Effect{{Kind: Ring, Call: "c1", Teammate: "ana", Team: "sup", Until: t0.Add(30 * time.Second)}}, s.effects)
	s.take()
	s.ok(s.e.Advance(s.at(29 * time.Second)))
	require.Equal(t, "ana", string(s.ringing("c1")))
	s.ok(s.e.Advance(s.at(45 * time.Second)))
	require.Equal(t, []Effect{
		{Kind: StopRinging, Call: "c1", Teammate: "ana", Team: "sup"},
		{Kind: Ring, Call: "c1", Teammate: "ben", Team: "sup", Until: t0.Add(time.Minute)},
	}, s.effects)
	require.Equal(t, []string{"09:00:30 Call missed by ana.", "09:00:30 Call assigned to ben."}, s.callLines())
}

// Decline: the customer stays on hold and the next teammate is offered the
// call at once.
// Rule: AS6, EL1, EL4
func TestDeclineOffersTheNextTeammate(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana", "ben", "cy")
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.ok(s.e.Decline(s.at(3*time.Second), "c1", "ana", eventlog.DeclineButton))
	s.ok(s.e.Decline(s.at(4*time.Second), "c1", "ben", eventlog.DeclineBusy))
	require.Equal(t, []string{
		"09:00:00 Call placed by customer.",
		"09:00:00 Call queued for sup.",
		"09:00:00 Call assigned to ana.",
		"09:00:03 Call declined by ana using the Decline button.",
		"09:00:03 Call assigned to ben.",
		"09:00:04 Call declined by ben",
		"09:00:04 Call assigned to cy.",
	}, s.callLines())
	v, _ := s.e.Call("c1")
	require.False(t, v.Ended, "the customer stays on hold")
}

// The exclusion lasts exactly 5 minutes, applies to that call only, and
// sends no alerts meanwhile; then the call may be offered again.
// Rule: AS7, X1, X2
func TestExclusionIsPerCallAndLastsFiveMinutes(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana")
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.ok(s.e.Decline(s.at(10*time.Second), "c1", "ana", eventlog.DeclineButton))
	require.Equal(t, []string{"c1→ana"}, s.rings(), "X2: the decline does not loop back to the only teammate")
	v, _ := s.e.Call("c1")
	require.Equal(t, []Exclusion{{Teammate: "ana", Until: t0.Add(5*time.Minute + 10*time.Second)}}, v.Excluded)

	s.ok(s.e.Arrive(s.at(time.Minute), "c2", "sup"))
	require.Equal(t, []string{"c2→ana"}, s.rings(), "still eligible for other calls")
	s.ok(s.e.Answer(s.at(time.Minute+time.Second), "c2", "ana"))
	s.ok(s.e.HangUp(s.at(2*time.Minute), "c2"))
	require.Empty(t, s.rings(), "X1: free again, but not rung for c1")

	s.ok(s.e.Advance(s.at(5*time.Minute + 9*time.Second)))
	require.Empty(t, s.rings())
	s.ok(s.e.Advance(s.at(5*time.Minute + 10*time.Second)))
	require.Equal(t, []string{"c1→ana"}, s.rings(), "offered again exactly when the 5 minutes end")
}

// A configured exclusion period is honoured; zero turns exclusion off.
// Rule: AS7
func TestExclusionPeriodIsConfigurable(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ExclusionPeriod = 0
	s := newScene(t, cfg)
	s.team("sup", TeamConfig{}, "ana")
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.ok(s.e.Decline(s.at(time.Second), "c1", "ana", eventlog.DeclineBusy))
	require.Equal(t, []string{"c1→ana", "c1→ana"}, s.rings())
}

// Auto-answer: rings say so, Decline is an error, and going Away just
// before the call connects is logged as a decline without the button,
// with the usual exclusion.
// Rule: AS8, EL4
func TestAutoAnswer(t *testing.T) {
	cfg := DefaultConfig()
	cfg.AutoAnswer = true
	s := newScene(t, cfg)
	s.team("sup", TeamConfig{}, "ana", "ben")
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	require.True(t, s.effects[0].AutoAnswer)
	s.take()
	before := snapshot(s.e)
	err := s.e.Decline(s.now, "c1", "ana", eventlog.DeclineButton)
	require.ErrorIs(t, err, ErrDeclineUnavailable)
	require.Equal(t, before, snapshot(s.e))

	s.ok(s.e.SetStatus(s.at(time.Second), "ana", presence.Away, "Lunch"))
	require.Equal(t, []string{"09:00:01 Call declined by ana", "09:00:01 Call assigned to ben."}, s.callLines())
	v, _ := s.e.Call("c1")
	require.Equal(t, []Exclusion{{Teammate: "ana", Until: t0.Add(5*time.Minute + time.Second)}}, v.Excluded)
	s.ok(s.e.Answer(s.at(time.Second), "c1", "ben"))
}

// TEST workspaces refuse balanced assignment with a clear error, leaving
// the state as it was.
// Rule: AS9
func TestTestWorkspaceRefusesAssignment(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TestWorkspace = true
	s := newScene(t, cfg)
	s.team("sup", TeamConfig{}, "ana")
	before := snapshot(s.e)
	err := s.e.Arrive(s.now, "c1", "sup")
	require.ErrorIs(t, err, ErrTestWorkspace)
	require.Contains(t, err.Error(), "TEST workspace")
	require.Equal(t, before, snapshot(s.e))
	s.ok(s.e.PlaceCall(s.now, "c2"))
	before = snapshot(s.e)
	require.ErrorIs(t, s.e.QueueCall(s.now, "c2", "sup"), ErrTestWorkspace)
	require.Equal(t, before, snapshot(s.e))
}

// Waiting calls are served in arrival order, and the moment a teammate
// becomes eligible in any way the oldest call they may take is offered.
// Rule: AS12, X9
func TestQueueServesOldestWhenSomeoneBecomesEligible(t *testing.T) {
	becomeEligible := map[string]func(s *scene){
		"comes back Active": func(s *scene) { s.ok(s.e.SetStatus(s.now, "ana", presence.Active, "")) },
		"opens the client":  func(s *scene) { s.ok(s.e.SetClient(s.now, "ana", true, false)) },
		"joins the team":    func(s *scene) { s.ok(s.e.AddMember(s.now, "sup", "ana")) },
		"switches channel":  func(s *scene) { s.ok(s.e.SetChannel(s.now, "ana", presence.ChannelPhone)) },
	}
	makeIneligible := map[string]func(s *scene){
		"comes back Active": func(s *scene) { s.ok(s.e.SetStatus(s.now, "ana", presence.Away, "Lunch")) },
		"opens the client":  func(s *scene) { s.ok(s.e.SetClient(s.now, "ana", false, false)) },
		"joins the team":    func(s *scene) { s.ok(s.e.RemoveMember(s.now, "sup", "ana")) },
		"switches channel":  func(s *scene) { s.ok(s.e.SetChannel(s.now, "ana", presence.ChannelConversations)) },
	}
	for name, back := range becomeEligible {
		t.Run(name, func(t *testing.T) {
			s := newScene(t, DefaultConfig())
			s.team("sup", TeamConfig{}, "ana")
			makeIneligible[name](s) // X9: the last teammate leaves…
			for _, c := range []string{"c1", "c2", "c3"} {
				s.ok(s.e.Arrive(s.at(time.Second), callID(c), "sup"))
			}
			require.Equal(t, []string{"c1", "c2", "c3"}, callIDs(s.e.Waiting("sup")))
			s.take()
			s.at(time.Minute)
			back(s) // …and comes back: distribution resumes.
			require.Equal(t, []string{"c1→ana"}, s.rings())
			s.ok(s.e.Answer(s.at(time.Minute+time.Second), "c1", "ana"))
			s.ok(s.e.HangUp(s.at(2*time.Minute), "c1"))
			require.Equal(t, []string{"c2→ana"}, s.rings())
		})
	}
}

// Two exclusions lapsing at the same instant: the older call goes first.
// Rule: AS12, AS7
func TestSimultaneousLapsesServeTheOlderCall(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("red", TeamConfig{}, "ana")
	s.team("blue", TeamConfig{}, "ben")
	s.ok(s.e.Arrive(s.now, "c1", "red"))
	s.ok(s.e.Arrive(s.now, "c2", "blue"))
	s.ok(s.e.AddMember(s.now, "blue", "ana"))
	s.ok(s.e.Decline(s.now, "c1", "ana", eventlog.DeclineButton))
	s.ok(s.e.Decline(s.now, "c2", "ben", eventlog.DeclineButton))
	s.ok(s.e.SetStatus(s.now, "ben", presence.Away, "Lunch"))
	s.ok(s.e.Decline(s.now, "c2", "ana", eventlog.DeclineButton))
	s.take()
	s.ok(s.e.Advance(s.at(5 * time.Minute)))
	require.Equal(t, []string{"c1→ana"}, s.rings())
}

// Errors are typed and the engine is left as it was.
// Rule: AS9, AS8
func TestBadInputLeavesStateUnchanged(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana", "ben")
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.ok(s.e.PlaceCall(s.now, "c2"))
	now := s.at(time.Second)
	s.ok(s.e.Advance(now))
	cases := []struct {
		name string
		run  func() error
		want error
	}{
		{"unknown teammate", func() error { return s.e.SetStatus(now, "zed", presence.Active, "") }, ErrUnknownTeammate},
		{"unknown team", func() error { return s.e.Arrive(now, "c9", "nope") }, ErrUnknownTeam},
		{"unknown call", func() error { return s.e.Answer(now, "c9", "ana") }, ErrUnknownCall},
		{"duplicate teammate", func() error { return s.e.AddTeammate(now, "ana", "Ana", available()) }, ErrDuplicateTeammate},
		{"duplicate team", func() error { return s.e.AddTeam("sup", "x", TeamConfig{}) }, ErrDuplicateTeam},
		{"duplicate call", func() error { return s.e.Arrive(now, "c1", "sup") }, ErrDuplicateCall},
		{"duplicate member", func() error { return s.e.AddMember(now, "sup", "ana") }, ErrDuplicateMember},
		{"answer by someone not rung", func() error { return s.e.Answer(now, "c1", "ben") }, ErrNotRinging},
		{"decline by someone not rung", func() error { return s.e.Decline(now, "c1", "ben", eventlog.DeclineButton) }, ErrNotRinging},
		{"answer a call in routing", func() error { return s.e.Answer(now, "c2", "ana") }, ErrNotRinging},
		{"hold an unanswered call", func() error { return s.e.Hold(now, "c1") }, ErrWrongState},
		{"time going backwards", func() error { return s.e.Answer(t0, "c1", "ana") }, ErrTimeWentBackwards},
		{"invalid status", func() error { return s.e.SetStatus(now, "ana", 0, "") }, ErrInvalidArgument},
		{"away without reason", func() error { return s.e.SetStatus(now, "ana", presence.Away, "") }, ErrInvalidArgument},
		{"invalid channel", func() error { return s.e.SetChannel(now, "ana", 9) }, ErrInvalidArgument},
		{"invalid decline cause", func() error { return s.e.Decline(now, "c1", "ana", 0) }, ErrInvalidArgument},
		{"empty call ID", func() error { return s.e.Arrive(now, "", "sup") }, ErrInvalidArgument},
		{"invalid team config", func() error { return s.e.AddTeam("t2", "x", TeamConfig{MaxQueue: -1}) }, ErrInvalidConfig},
		{"remove a ringing teammate", func() error { return s.e.RemoveTeammate(now, "ana") }, ErrTeammateBusy},
		{"manual answer of a ringing call", func() error { return s.e.ManualAnswer(now, "c1", "ben") }, ErrWrongState},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(s.e)
			err := tc.run()
			require.True(t, errors.Is(err, tc.want), "got %v, want %v", err, tc.want)
			require.Equal(t, before, snapshot(s.e))
			require.True(t, s.e.Ready().Empty())
		})
	}
}

// Invalid configs are refused by the constructor.
// Rule: AS5, AS7
func TestConfigValidation(t *testing.T) {
	for _, mutate := range []func(*Config){
		func(c *Config) { c.RingTimeout = 0 },
		func(c *Config) { c.ExclusionPeriod = -time.Second },
		func(c *Config) { c.CallLimit = 0 },
		func(c *Config) { c.WrapUp = -1 },
		func(c *Config) { c.EndedCallRetention = -1 },
	} {
		cfg := DefaultConfig()
		mutate(&cfg)
		_, err := New(cfg)
		require.ErrorIs(t, err, ErrInvalidConfig)
	}
	d := DefaultConfig()
	require.Equal(t, 30*time.Second, d.RingTimeout)
	require.Equal(t, 5*time.Minute, d.ExclusionPeriod)
	require.Equal(t, 1, d.CallLimit)
	require.False(t, d.AutoAnswer)
	require.False(t, d.TestWorkspace)
	require.False(t, d.ShowTeamComposition)
}

// NextInLine is the decision a new call would get.
// Rule: AS3
func TestNextInLineIsTheDecision(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana", "ben")
	s.ok(s.e.ReportAssignment(s.at(time.Second), "ana"))
	next, ok := s.e.NextInLine("sup")
	require.True(t, ok)
	require.Equal(t, "ben", string(next))
	s.take()
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	require.Equal(t, []string{"c1→ben"}, s.rings())
	_, ok = s.e.NextInLine("nope")
	require.False(t, ok)
}
