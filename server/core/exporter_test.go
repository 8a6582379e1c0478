package core_test

import (
	"strings"
	"testing"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/telephony"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// A team's series exist from the moment the team does, at 0, before any
// membership or call names it; the exporter mirrors the runtime's one
// collector.
func TestTeamSeriesExistFromTheTeamsCreation(t *testing.T) {
	rt := open(t, core.Config{InMemory: true, Telephony: telephony.LogTelephony{Logger: quiet()}})
	defer rt.Close()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(rt.Exporter())
	do(t, rt, assign.Command{Op: assign.OpAddTeam, Team: "support", Name: "Support"})

	want := `
# HELP phonebalance_calls_offered_total Calls that entered the team's queue (each queue segment).
# TYPE phonebalance_calls_offered_total counter
phonebalance_calls_offered_total{team="support",workspace="default"} 0
# HELP phonebalance_calls_in_queue Inbound calls waiting in the team's queue now, ringing included.
# TYPE phonebalance_calls_in_queue gauge
phonebalance_calls_in_queue{team="support",workspace="default"} 0
# HELP phonebalance_staffing_arrivals_per_second Inbound calls arriving per second over the advice window.
# TYPE phonebalance_staffing_arrivals_per_second gauge
phonebalance_staffing_arrivals_per_second{team="support",workspace="default"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "phonebalance_calls_offered_total",
		"phonebalance_calls_in_queue", "phonebalance_staffing_arrivals_per_second"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(rt.Exporter(), "phonebalance_calls_abandoned_total"); n != 5 {
		t.Fatalf("%d abandoned series for one team, want one per phase (5)", n)
	}

	do(t, rt, assign.Command{Op: assign.OpAddTeammate, Teammate: "ana", Name: "Ana", Presence: active})
	do(t, rt, assign.Command{Op: assign.OpAddMember, Team: "support", Teammate: "ana"})
	do(t, rt, assign.Command{Op: assign.OpArrive, Call: "call-1", Team: "support"})
	want = `
# HELP phonebalance_calls_offered_total Calls that entered the team's queue (each queue segment).
# TYPE phonebalance_calls_offered_total counter
phonebalance_calls_offered_total{team="support",workspace="default"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "phonebalance_calls_offered_total"); err != nil {
		t.Fatal(err)
	}
	if problems, err := testutil.CollectAndLint(rt.Exporter()); err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", problems, err)
	}
}
