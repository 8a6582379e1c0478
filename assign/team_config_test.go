package assign

import (
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/schedule"
	"github.com/stretchr/testify/require"
)

// A lower MaxQueue deflects new arrivals only: the calls already waiting
// stay, even above the new limit.
// Rule: DF1
func TestSetTeamConfigMaxQueueAppliesToNewArrivals(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana")
	for _, id := range []string{"c1", "c2", "c3"} {
		s.ok(s.e.Arrive(s.now, callID(id), "sup"))
	}
	s.take()
	s.ok(s.e.SetTeamConfig(s.at(time.Second), "sup", TeamConfig{MaxQueue: 1}))
	require.Empty(t, s.take(), "changing settings logs nothing and deflects nobody")
	_, queued, _ := s.e.TeamCounts("sup")
	require.Equal(t, 3, queued)
	s.ok(s.e.Arrive(s.now, "c4", "sup"))
	require.Equal(t, []string{"09:00:01 Call placed by customer.",
		"09:00:01 Call deflected because Queue is longer than 1 calls."}, s.callLines())
	require.NoError(t, checkInvariants(s.e))
}

// New operating hours and override take effect at once for arrivals; the
// calls already waiting stay.
// Rule: DF4
func TestSetTeamConfigHoursApplyAtOnce(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana")
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.ok(s.e.Arrive(s.now, "c2", "sup"))
	s.take()
	// From 10:00 to 17:00 on weekdays: closed at 09:00.
	s.ok(s.e.SetTeamConfig(s.now, "sup", TeamConfig{Hours: schedule.Hours{Weekly: schedule.Weekdays(10*time.Hour, 17*time.Hour)}}))
	require.Empty(t, s.take())
	require.Equal(t, []string{"c2"}, callIDs(s.e.Waiting("sup")))
	s.ok(s.e.Arrive(s.now, "c3", "sup"))
	require.Contains(t, s.callLines(), "09:00:00 Call deflected because sup is out of office.")
	// The override in the new config counts too: forced open, it queues.
	s.ok(s.e.SetTeamConfig(s.now, "sup", TeamConfig{Hours: schedule.Hours{Override: schedule.ForceOpen}}))
	s.ok(s.e.Arrive(s.now, "c4", "sup"))
	require.Contains(t, s.callLines(), "09:00:00 Call queued for sup.")
	got, _ := s.e.TeamConfig("sup")
	require.Equal(t, schedule.ForceOpen, got.Hours.Override)
	require.NoError(t, checkInvariants(s.e))
}

// A new MaxWait applies to the calls already waiting, measured from when
// they entered the queue: one past the new limit is deflected at the
// command's time (a ringing one stops ringing first), the others at their
// new deadline, and the freed teammate is offered the next call.
// Rule: DF5
func TestSetTeamConfigMaxWaitAppliesToWaitingCalls(t *testing.T) {
	cfg := DefaultConfig()
	cfg.RingTimeout = time.Hour
	s := newScene(t, cfg)
	s.team("sup", TeamConfig{MaxWait: time.Hour}, "ana")
	s.ok(s.e.Arrive(s.now, "c1", "sup"))               // rings ana until 10:00
	s.ok(s.e.Arrive(s.at(4*time.Minute), "c2", "sup")) // waits
	s.ok(s.e.Arrive(s.at(6*time.Minute), "c3", "sup")) // waits
	s.take()
	// At 09:08 a 5 min limit has passed for c1 (09:05), not for c2 (09:09)
	// nor c3 (09:11).
	s.ok(s.e.SetTeamConfig(s.at(8*time.Minute), "sup", TeamConfig{MaxWait: 5 * time.Minute}))
	require.Equal(t, []string{"c1→ana stop", "c2→ana"}, ringLog(s.effects))
	require.Equal(t, []string{
		"09:08:00 Call deflected because Customer has been waiting on hold for more than 5 minutes.",
		"09:08:00 Call assigned to ana.",
	}, s.callLines())
	v, _ := s.e.Call("c1")
	require.Equal(t, eventlog.StageRouting, v.Stage, "c1 went back to the host's workflow")
	require.Equal(t, "ana", string(s.ringing("c2")), "the freed teammate is offered the next call at once")
	require.NoError(t, checkInvariants(s.e))
	next, ok := s.e.NextDeadline()
	require.True(t, ok)
	require.Equal(t, t0.Add(9*time.Minute), next, "c2's new hold deadline")

	// c2 is deflected at 09:09, its queue entry plus 5 min, c3 at 09:11.
	s.ok(s.e.Advance(s.at(20 * time.Minute)))
	var deflected []string
	for _, ev := range s.events {
		if ev.Kind == eventlog.CallDeflected {
			require.Equal(t, eventlog.DeflectHoldTimeout, ev.Deflection)
			require.Equal(t, 5*time.Minute, ev.HoldLimit)
			deflected = append(deflected, string(ev.Call)+" "+ev.At.Format("15:04:05"))
		}
	}
	require.Equal(t, []string{"c2 09:09:00", "c3 09:11:00"}, deflected)
	require.NoError(t, checkInvariants(s.e))
}

// Removing the hold limit cancels the waiting calls' deadlines; setting
// one where there was none gives them one.
// Rule: DF5
func TestSetTeamConfigMaxWaitOnAndOff(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{MaxWait: 2 * time.Minute})
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.ok(s.e.SetTeamConfig(s.at(time.Minute), "sup", TeamConfig{}))
	require.NoError(t, checkInvariants(s.e))
	_, ok := s.e.NextDeadline()
	require.False(t, ok, "no hold deadline left")
	s.ok(s.e.Advance(s.at(time.Hour)))
	require.Equal(t, []string{"c1"}, callIDs(s.e.Waiting("sup")))

	s.ok(s.e.SetTeamConfig(s.now, "sup", TeamConfig{MaxWait: 2 * time.Hour}))
	require.NoError(t, checkInvariants(s.e))
	next, ok := s.e.NextDeadline()
	require.True(t, ok)
	require.Equal(t, t0.Add(2*time.Hour), next)
}

// A bad config is refused before the engine advances: no deadline fires,
// the team keeps its settings.
// Rule: DF5, X1
func TestSetTeamConfigRefusedFirst(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{MaxWait: time.Minute})
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.take()
	before := snapshot(s.e)
	err := s.e.SetTeamConfig(s.at(time.Hour), "sup", TeamConfig{MaxQueue: -1})
	require.ErrorIs(t, err, ErrInvalidConfig)
	require.Equal(t, before, snapshot(s.e))
	require.True(t, s.e.Ready().Empty())
}

// ringLog returns "call→teammate" for each Ring effect and "call→teammate
// stop" for each StopRinging, in order.
func ringLog(effects []Effect) []string {
	var out []string
	for _, ef := range effects {
		switch ef.Kind {
		case Ring:
			out = append(out, string(ef.Call)+"→"+string(ef.Teammate))
		case StopRinging:
			out = append(out, string(ef.Call)+"→"+string(ef.Teammate)+" stop")
		}
	}
	return out
}

// The workspace settings that can change apply to the next decision:
// auto-answer to the next ring, composition logging to the next
// assignment, the hours to the next arrival; the calls already waiting
// stay.
// Rule: AS8, EL3, DF3
func TestSetWorkspaceConfigAppliesToTheNextDecision(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana", "ben")
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.take()
	cfg := s.e.Config()
	cfg.AutoAnswer, cfg.ShowTeamComposition = true, true
	s.ok(s.e.SetWorkspaceConfig(s.at(time.Second), cfg))
	require.Empty(t, s.take(), "changing settings logs nothing")
	require.Equal(t, cfg, s.e.Config())
	s.ok(s.e.Arrive(s.now, "c2", "sup"))
	require.Len(t, s.effects, 1)
	require.True(t, s.effects[0].AutoAnswer, "the next ring is auto-answered")
	require.Contains(t, s.callLines(), "09:00:01 Teammates available: 2", "composition is logged")
	require.ErrorIs(t, s.e.Decline(s.now, "c1", "ana", eventlog.DeclineButton), ErrDeclineUnavailable,
		"the Decline button follows the setting at once")

	cfg.Hours.Override = schedule.OutOfOffice
	s.ok(s.e.SetWorkspaceConfig(s.now, cfg))
	s.ok(s.e.Arrive(s.now, "c3", "sup"))
	require.Contains(t, s.callLines(), "09:00:01 Call deflected because Workspace out of office.")
	for _, id := range []string{"c1", "c2"} {
		v, _ := s.e.Call(callID(id))
		require.Equal(t, eventlog.StageRinging, v.Stage, "%s still rings", id)
	}
	require.NoError(t, checkInvariants(s.e))
}

// A setting that deadlines already pending depend on cannot change: the
// command is refused before the engine advances.
// Rule: AS5, X1
func TestSetWorkspaceConfigRefusesFixedSettings(t *testing.T) {
	s := newScene(t, DefaultConfig())
	s.team("sup", TeamConfig{}, "ana")
	s.ok(s.e.Arrive(s.now, "c1", "sup"))
	s.take()
	before := snapshot(s.e)
	for name, f := range map[string]func(*Config){
		"RingTimeout":        func(c *Config) { c.RingTimeout = time.Minute },
		"ExclusionPeriod":    func(c *Config) { c.ExclusionPeriod = 0 },
		"CallLimit":          func(c *Config) { c.CallLimit = 3 },
		"WrapUp":             func(c *Config) { c.WrapUp = time.Minute },
		"TestWorkspace":      func(c *Config) { c.TestWorkspace = true },
		"EndedCallRetention": func(c *Config) { c.EndedCallRetention = time.Hour },
	} {
		cfg := s.e.Config()
		cfg.AutoAnswer = true
		f(&cfg)
		err := s.e.SetWorkspaceConfig(s.at(time.Hour), cfg)
		require.ErrorIs(t, err, ErrInvalidConfig, name)
		require.ErrorContains(t, err, name)
		require.Equal(t, before, snapshot(s.e), name)
		require.True(t, s.e.Ready().Empty(), name)
	}
}
