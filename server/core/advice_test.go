package core_test

import (
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/advice"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/telephony"
	"github.com/phonebalance/phonebalance/staffing"
)

// The runtime folds the staffing advice from the same events as the
// metrics: one call answered after 10 s and talked for 120 s gives a mean
// handle time of 120 s, both teammates are available again, and Needed is
// Erlang C's answer for that load. A reopened runtime rebuilds the same
// advice from its event store.
func TestAdviceFromTheLog(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewMock()
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	clk.Set(t0)
	tel := telephony.LogTelephony{Logger: quiet()}
	rt := open(t, core.Config{Dir: dir, Telephony: tel, Clock: clk})
	seed(t, rt)
	do(t, rt, assign.Command{Op: assign.OpArrive, Call: "call-1", Team: "support"})
	clk.Add(10 * time.Second)
	var rung assign.CallView
	if _, err := rt.Default().View(func(e *assign.Engine) { rung, _ = e.Call("call-1") }); err != nil {
		t.Fatal(err)
	}
	do(t, rt, assign.Command{Op: assign.OpAnswer, Call: "call-1", Teammate: rung.Ringing})
	clk.Add(120 * time.Second)
	do(t, rt, assign.Command{Op: assign.OpEndCall, Call: "call-1", By: eventlog.ByCustomer})

	check := func(rt *core.Runtime) advice.TeamAdvice {
		t.Helper()
		got := rt.Default().Advice(clk.Now(), advice.AvailableByTeam(rt.Default().Dashboard(clk.Now())))
		if len(got) != 1 || got[0].Team != "support" {
			t.Fatalf("advice: %+v", got)
		}
		a := got[0]
		if a.MeanHandle != 120*time.Second || a.Available != 2 || a.ArrivalsPerHour <= 0 {
			t.Fatalf("advice: %+v", a)
		}
		if want := staffing.AgentsFor(a.ArrivalsPerHour, a.MeanHandle, 20*time.Second, 0.8); a.Needed != want {
			t.Fatalf("needed %d, Erlang C says %d", a.Needed, want)
		}
		return a
	}
	before := check(rt)
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	rt = open(t, core.Config{Dir: dir, Telephony: tel, Clock: clk})
	defer rt.Close()
	if after := check(rt); after != before {
		t.Fatalf("after reopening: %+v, before: %+v", after, before)
	}
}
