package assign

import (
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/stretchr/testify/require"
)

// The checker itself must notice what it claims to check: each corruption
// below breaks one relation and must be reported as such.
func TestCheckInvariantsNoticesCorruption(t *testing.T) {
	build := func(t *testing.T) *scene {
		cfg := DefaultConfig()
		cfg.WrapUp = time.Minute
		s := newScene(t, cfg)
		s.team("sup", TeamConfig{MaxWait: 10 * time.Minute}, "ana", "ben", "cy", "dee")
		s.ok(s.e.Arrive(s.now, "c1", "sup")) // rings ana
		s.ok(s.e.Arrive(s.now, "c2", "sup")) // rings ben
		s.ok(s.e.Answer(s.at(time.Second), "c2", "ben"))
		s.ok(s.e.Arrive(s.now, "c3", "sup")) // rings cy
		s.ok(s.e.Arrive(s.now, "c4", "sup")) // rings dee
		s.ok(s.e.Answer(s.at(2*time.Second), "c4", "dee"))
		s.ok(s.e.HangUp(s.at(3*time.Second), "c4")) // dee wraps up; c4 ended
		s.ok(s.e.Decline(s.at(4*time.Second), "c3", "cy", eventlog.DeclineBusy))
		// c3 waits: ana rings, ben talks, cy is excluded, dee wraps up.
		require.NoError(t, checkInvariants(s.e))
		require.Equal(t, []string{"c3"}, callIDs(s.e.Waiting("sup")))
		return s
	}
	corruptions := []struct {
		name    string
		corrupt func(e *Engine)
		want    string
	}{
		{"inTrees flag", func(e *Engine) { e.teammates["ana"].inTrees = true }, "inTrees true, eligible false"},
		{"missing from tree", func(e *Engine) { e.teams["sup"].eligible.Clear(false) }, "tree holds 0 teammates"},
		{"stale tree key", func(e *Engine) { e.teammates["cy"].last++ }, "is stale"},
		{"counts", func(e *Engine) { e.teams["sup"].counts.Available++ }, "counts"},
		{"online", func(e *Engine) { e.teams["sup"].online-- }, "online"},
		{"inQueue", func(e *Engine) { e.teams["sup"].inQueue++ }, "inQueue"},
		{"queue", func(e *Engine) { e.teams["sup"].queue.Delete(e.calls.get("c3")) }, "not in team"},
		{"ringing asymmetry", func(e *Engine) { e.teammates["ana"].ringing = nil }, "who rings another call"},
		{"ring deadline", func(e *Engine) { e.timerCancel(timerKey{kind: timerRing, c: e.calls.get("c1")}) }, `rings "ana" until`},
		{"exclusion deadline", func(e *Engine) {
			e.timerCancel(timerKey{kind: timerExclusion, c: e.calls.get("c3"), t: e.teammates["cy"]})
		}, `excludes "cy"`},
		{"wrap-up deadline", func(e *Engine) { e.timerCancel(timerKey{kind: timerWrapUp, t: e.teammates["dee"]}) }, "with no deadline"},
		{"calls count", func(e *Engine) { e.teammates["ben"].calls = 0 }, "has calls 0"},
		{"ended with agent", func(e *Engine) { e.calls.get("c4").agent = e.teammates["dee"] }, "ended call"},
		{"dispatch", func(e *Engine) { e.calls.get("c3").excluded = nil }, `while "cy" may take it`},
		{"leaked deadline", func(e *Engine) {
			e.timerSchedule(timerKey{kind: timerHold, c: e.calls.get("c4")}, t0.Add(time.Hour))
		}, "pending deadline of kind"},
		{"call limit", func(e *Engine) { e.teammates["ben"].ringing = e.calls.get("c1") }, "over the limit"},
		{"membership", func(e *Engine) { e.teams["sup"].members = e.teams["sup"].members[1:] }, "more team memberships"},
		{"ringing a non-member", func(e *Engine) {
			e.teams["sup"].members = without(e.teams["sup"].members, e.teammates["ana"])
			e.teammates["ana"].teams = nil
		}, "not a member"},
	}
	for _, tc := range corruptions {
		t.Run(tc.name, func(t *testing.T) {
			s := build(t)
			tc.corrupt(s.e)
			err := checkInvariants(s.e)
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}
