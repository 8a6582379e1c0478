package promexport_test

import (
	"strings"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/server/advice"
	"github.com/phonebalance/phonebalance/server/promexport"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The staffing advice is exported in base units: arrivals per second (72
// an hour is 0.02 a second), handle time in seconds, the target as a ratio
// and seconds. A team whose handle time is unknown, or whose target no
// staffing reaches, has no "needed" gauge rather than a misleading 0 or -1.
func TestStaffingGauges(t *testing.T) {
	target := advice.Target{Within: 20 * time.Second, Fraction: 0.8}
	x := promexport.New(promexport.Config{Workspaces: func() []promexport.Source {
		return []promexport.Source{{Workspace: "w1", Advice: func() []advice.TeamAdvice {
			return []advice.TeamAdvice{
				{Team: "billing", ArrivalsPerHour: 36, Target: target},
				{Team: "sales", ArrivalsPerHour: 7200, MeanHandle: 90 * time.Second, Needed: -1,
					Target: advice.Target{Within: 10 * time.Second, Fraction: 0.99}},
				{Team: "support", ArrivalsPerHour: 72, MeanHandle: 125 * time.Second, Needed: 3, Available: 2, Target: target},
			}
		}}}
	}})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(x)
	want := `
# HELP phonebalance_staffing_arrivals_per_second Inbound calls arriving per second over the advice window.
# TYPE phonebalance_staffing_arrivals_per_second gauge
phonebalance_staffing_arrivals_per_second{team="billing",workspace="w1"} 0.01
phonebalance_staffing_arrivals_per_second{team="sales",workspace="w1"} 2
phonebalance_staffing_arrivals_per_second{team="support",workspace="w1"} 0.02
# HELP phonebalance_staffing_handle_seconds Mean handle time of the calls finished over the advice window.
# TYPE phonebalance_staffing_handle_seconds gauge
phonebalance_staffing_handle_seconds{team="billing",workspace="w1"} 0
phonebalance_staffing_handle_seconds{team="sales",workspace="w1"} 90
phonebalance_staffing_handle_seconds{team="support",workspace="w1"} 125
# HELP phonebalance_staffing_teammates_needed Teammates the service-level target needs (Erlang C).
# TYPE phonebalance_staffing_teammates_needed gauge
phonebalance_staffing_teammates_needed{team="support",workspace="w1"} 3
# HELP phonebalance_staffing_target_ratio Service-level target: the fraction of calls answered within the target time.
# TYPE phonebalance_staffing_target_ratio gauge
phonebalance_staffing_target_ratio{team="billing",workspace="w1"} 0.8
phonebalance_staffing_target_ratio{team="sales",workspace="w1"} 0.99
phonebalance_staffing_target_ratio{team="support",workspace="w1"} 0.8
# HELP phonebalance_staffing_target_seconds Service-level target: the answer time the target fraction must meet.
# TYPE phonebalance_staffing_target_seconds gauge
phonebalance_staffing_target_seconds{team="billing",workspace="w1"} 20
phonebalance_staffing_target_seconds{team="sales",workspace="w1"} 10
phonebalance_staffing_target_seconds{team="support",workspace="w1"} 20
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"phonebalance_staffing_arrivals_per_second", "phonebalance_staffing_handle_seconds",
		"phonebalance_staffing_teammates_needed", "phonebalance_staffing_target_ratio",
		"phonebalance_staffing_target_seconds"); err != nil {
		t.Fatal(err)
	}
	if problems, err := testutil.CollectAndLint(x); err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", problems, err)
	}
}
