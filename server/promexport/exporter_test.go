package promexport_test

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/server/promexport"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

// rig runs an engine whose events feed a metrics.Collector, which the
// exporter mirrors, as the server does; the exporter takes the teams from
// the engine.
type rig struct {
	t   *testing.T
	eng *assign.Engine
	col *metrics.Collector
	x   *promexport.Exporter
	reg *prometheus.Registry
	n   int // events fed
}

func newRig(t *testing.T) *rig {
	eng, err := assign.New(assign.DefaultConfig()) // 30 s rings, no wrap-up
	if err != nil {
		t.Fatal(err)
	}
	col, err := metrics.New(metrics.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, eng: eng, col: col}
	r.x = promexport.New(promexport.Config{Workspaces: func() []promexport.Source {
		return []promexport.Source{{
			Workspace: "w1",
			Collector: func(fn func(*metrics.Collector)) { fn(r.col) },
			Teams: func() []pb.TeamID {
				var ids []pb.TeamID
				eng.EachTeam(func(v assign.TeamView) bool { ids = append(ids, v.ID); return true })
				return ids
			},
		}}
	}})
	r.reg = prometheus.NewPedanticRegistry()
	r.reg.MustRegister(r.x)
	return r
}

// do checks err and feeds what the engine produced.
func (r *rig) do(err error) {
	r.t.Helper()
	if err != nil {
		r.t.Fatal(err)
	}
	for _, ev := range r.eng.Ready().Events {
		if err := r.col.Observe(ev); err != nil {
			r.t.Fatal(err)
		}
		r.n++
	}
}

// value gathers the registry and returns the counter name with the
// given labels (name, value, name, value, ...); 0 if absent.
func (r *rig) value(name string, labels ...string) float64 {
	r.t.Helper()
	labels = append([]string{"workspace", "w1"}, labels...)
	mfs, err := r.reg.Gather()
	if err != nil {
		r.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.GetMetric() {
			if 2*len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range m.GetLabel() {
				if !slices.Contains(pairs(labels), l.GetName()+"="+l.GetValue()) {
					continue metric
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func pairs(kv []string) []string {
	var out []string
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, kv[i]+"="+kv[i+1])
	}
	return out
}

// The hand-derived figures of a short morning. Support has Ana and Ben;
// Sales deflects when nobody is online and has nobody.
//
//	call-1 at 0 s rings Ana, answered at 12 s, the customer hangs up at 72 s:
//	  answer wait 12 s, talk 60 s, a ring answered.
//	call-2 at 20 s rings Ben (Ana is on call-1), declined at 25 s, then waits
//	  (Ben is excluded, Ana busy); the customer hangs up at 40 s: abandoned
//	  while queued, a ring declined.
//	call-3 at 80 s rings Ben (Ana's call-1 ended later than Ben's last
//	  ring), missed at 110 s, rings Ana, answered at 115 s, on hold 130-150 s, ended at 200 s: answer wait
//	  35 s, talk 15+50 = 65 s, a ring missed and one answered.
//	call-4 at 210 s for Sales is deflected (nobody online), then ended.
//
// Support's queue segments: call-1 12 s, call-2 20 s (until the hang-up),
// call-3 35 s (ringing included); Sales has none (deflected unqueued).
//
// Rule: MT1, MT2, MT4, MT8, MT9, MT10, MT11
func TestFiguresOfAShortMorning(t *testing.T) {
	r := newRig(t)
	e := r.eng
	st := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	r.do(e.AddTeam("support", "Support", assign.TeamConfig{}))
	r.do(e.AddTeam("sales", "Sales", assign.TeamConfig{DeflectWhenNobodyOnline: true}))
	r.do(e.AddTeammate(at(0), "ana", "Ana", st))
	r.do(e.AddTeammate(at(0), "ben", "Ben", st))
	r.do(e.AddMember(at(0), "support", "ana"))
	r.do(e.AddMember(at(0), "support", "ben"))

	r.do(e.Arrive(at(0), "call-1", "support"))
	r.do(e.Answer(at(12), "call-1", "ana"))
	r.do(e.Arrive(at(20), "call-2", "support"))
	r.do(e.Decline(at(25), "call-2", "ben", eventlog.DeclineButton))

	// Mid-morning gauges: call-2 waits, call-1 is active, both teammates
	// count as available for phone (Ana is on a call). Sales has seen no
	// event yet, but it exists: its series are there, at 0.
	want := `
# HELP phonebalance_calls_active Answered inbound calls ongoing now.
# TYPE phonebalance_calls_active gauge
phonebalance_calls_active{team="sales",workspace="w1"} 0
phonebalance_calls_active{team="support",workspace="w1"} 1
# HELP phonebalance_calls_in_queue Inbound calls waiting in the team's queue now, ringing included.
# TYPE phonebalance_calls_in_queue gauge
phonebalance_calls_in_queue{team="sales",workspace="w1"} 0
phonebalance_calls_in_queue{team="support",workspace="w1"} 1
# HELP phonebalance_teammates_available_for_phone Team members available for phone calls or on one now.
# TYPE phonebalance_teammates_available_for_phone gauge
phonebalance_teammates_available_for_phone{team="sales",workspace="w1"} 0
phonebalance_teammates_available_for_phone{team="support",workspace="w1"} 2
# HELP phonebalance_calls_offered_total Calls that entered the team's queue (each queue segment).
# TYPE phonebalance_calls_offered_total counter
phonebalance_calls_offered_total{team="sales",workspace="w1"} 0
phonebalance_calls_offered_total{team="support",workspace="w1"} 2
`
	if err := testutil.GatherAndCompare(r.reg, strings.NewReader(want), "phonebalance_calls_active",
		"phonebalance_calls_in_queue", "phonebalance_teammates_available_for_phone",
		"phonebalance_calls_offered_total"); err != nil {
		t.Fatal(err)
	}
	// Every reason, phase and outcome of a team is there from the start.
	if n := testutil.CollectAndCount(r.x, "phonebalance_calls_deflected_total"); n != 2*5 {
		t.Errorf("%d deflection series, want 5 per team", n)
	}
	if got := r.value("phonebalance_calls_deflected_total", "team", "sales", "reason", "no_teammates"); got != 0 {
		t.Errorf("sales' deflections before any: %v", got)
	}

	r.do(e.HangUp(at(40), "call-2"))
	r.do(e.HangUp(at(72), "call-1"))
	r.do(e.Arrive(at(80), "call-3", "support"))
	r.do(e.Advance(at(110)))
	r.do(e.Answer(at(115), "call-3", "ana"))
	r.do(e.Hold(at(130), "call-3"))
	r.do(e.Resume(at(150), "call-3"))
	r.do(e.EndCall(at(200), "call-3", eventlog.ByTeammate))
	r.do(e.Arrive(at(210), "call-4", "sales"))
	r.do(e.EndCall(at(211), "call-4", eventlog.BySystem))

	want = `
# HELP phonebalance_answer_wait_seconds Time from a call's placement to its first answer.
# TYPE phonebalance_answer_wait_seconds histogram
` + zeroHistogram("phonebalance_answer_wait_seconds", "sales", promexport.AnswerWaitBuckets) + `
phonebalance_answer_wait_seconds_bucket{le="5",team="support",workspace="w1"} 0
phonebalance_answer_wait_seconds_bucket{le="10",team="support",workspace="w1"} 0
phonebalance_answer_wait_seconds_bucket{le="15",team="support",workspace="w1"} 1
phonebalance_answer_wait_seconds_bucket{le="20",team="support",workspace="w1"} 1
phonebalance_answer_wait_seconds_bucket{le="30",team="support",workspace="w1"} 1
phonebalance_answer_wait_seconds_bucket{le="45",team="support",workspace="w1"} 2
phonebalance_answer_wait_seconds_bucket{le="60",team="support",workspace="w1"} 2
phonebalance_answer_wait_seconds_bucket{le="90",team="support",workspace="w1"} 2
phonebalance_answer_wait_seconds_bucket{le="120",team="support",workspace="w1"} 2
phonebalance_answer_wait_seconds_bucket{le="180",team="support",workspace="w1"} 2
phonebalance_answer_wait_seconds_bucket{le="300",team="support",workspace="w1"} 2
phonebalance_answer_wait_seconds_bucket{le="600",team="support",workspace="w1"} 2
phonebalance_answer_wait_seconds_bucket{le="+Inf",team="support",workspace="w1"} 2
phonebalance_answer_wait_seconds_sum{team="support",workspace="w1"} 47
phonebalance_answer_wait_seconds_count{team="support",workspace="w1"} 2
# HELP phonebalance_talk_seconds Talk time of each answered call segment, hold excluded.
# TYPE phonebalance_talk_seconds histogram
` + zeroHistogram("phonebalance_talk_seconds", "sales", promexport.TalkBuckets) + `
phonebalance_talk_seconds_bucket{le="15",team="support",workspace="w1"} 0
phonebalance_talk_seconds_bucket{le="30",team="support",workspace="w1"} 0
phonebalance_talk_seconds_bucket{le="60",team="support",workspace="w1"} 1
phonebalance_talk_seconds_bucket{le="120",team="support",workspace="w1"} 2
phonebalance_talk_seconds_bucket{le="180",team="support",workspace="w1"} 2
phonebalance_talk_seconds_bucket{le="300",team="support",workspace="w1"} 2
phonebalance_talk_seconds_bucket{le="600",team="support",workspace="w1"} 2
phonebalance_talk_seconds_bucket{le="900",team="support",workspace="w1"} 2
phonebalance_talk_seconds_bucket{le="1800",team="support",workspace="w1"} 2
phonebalance_talk_seconds_bucket{le="3600",team="support",workspace="w1"} 2
phonebalance_talk_seconds_bucket{le="+Inf",team="support",workspace="w1"} 2
phonebalance_talk_seconds_sum{team="support",workspace="w1"} 125
phonebalance_talk_seconds_count{team="support",workspace="w1"} 2
# HELP phonebalance_calls_in_queue Inbound calls waiting in the team's queue now, ringing included.
# TYPE phonebalance_calls_in_queue gauge
phonebalance_calls_in_queue{team="sales",workspace="w1"} 0
phonebalance_calls_in_queue{team="support",workspace="w1"} 0
`
	if err := testutil.GatherAndCompare(r.reg, strings.NewReader(want), "phonebalance_answer_wait_seconds",
		"phonebalance_talk_seconds", "phonebalance_calls_in_queue"); err != nil {
		t.Fatal(err)
	}
	want = `
# HELP phonebalance_queue_wait_seconds Time in the team's queue of each queue segment, ringing included.
# TYPE phonebalance_queue_wait_seconds histogram
` + zeroHistogram("phonebalance_queue_wait_seconds", "sales", promexport.QueueWaitBuckets) + `
phonebalance_queue_wait_seconds_bucket{le="5",team="support",workspace="w1"} 0
phonebalance_queue_wait_seconds_bucket{le="10",team="support",workspace="w1"} 0
phonebalance_queue_wait_seconds_bucket{le="15",team="support",workspace="w1"} 1
phonebalance_queue_wait_seconds_bucket{le="20",team="support",workspace="w1"} 2
phonebalance_queue_wait_seconds_bucket{le="30",team="support",workspace="w1"} 2
phonebalance_queue_wait_seconds_bucket{le="45",team="support",workspace="w1"} 3
phonebalance_queue_wait_seconds_bucket{le="60",team="support",workspace="w1"} 3
phonebalance_queue_wait_seconds_bucket{le="90",team="support",workspace="w1"} 3
phonebalance_queue_wait_seconds_bucket{le="120",team="support",workspace="w1"} 3
phonebalance_queue_wait_seconds_bucket{le="180",team="support",workspace="w1"} 3
phonebalance_queue_wait_seconds_bucket{le="300",team="support",workspace="w1"} 3
phonebalance_queue_wait_seconds_bucket{le="600",team="support",workspace="w1"} 3
phonebalance_queue_wait_seconds_bucket{le="+Inf",team="support",workspace="w1"} 3
phonebalance_queue_wait_seconds_sum{team="support",workspace="w1"} 67
phonebalance_queue_wait_seconds_count{team="support",workspace="w1"} 3
`
	if err := testutil.GatherAndCompare(r.reg, strings.NewReader(want), "phonebalance_queue_wait_seconds"); err != nil {
		t.Fatal(err)
	}

	counters := []struct {
		name   string
		got    float64
		want   float64
		report int // the collector's figure for the same thing, -1 if none
	}{
		{"offered support", r.value("phonebalance_calls_offered_total", "team", "support"), 3, -1},
		{"answered support", r.value("phonebalance_calls_answered_total", "team", "support"), 2, -1},
		{"abandoned support queued", r.value("phonebalance_calls_abandoned_total", "team", "support", "phase", "queued"), 1, -1},
		{"deflected sales no_teammates", r.value("phonebalance_calls_deflected_total", "team", "sales", "reason", "no_teammates"), 1, -1},
		{"rings answered", r.value("phonebalance_ring_outcomes_total", "team", "support", "outcome", "answered"), 2, -1},
		{"rings declined", r.value("phonebalance_ring_outcomes_total", "team", "support", "outcome", "declined"), 1, -1},
		{"rings missed", r.value("phonebalance_ring_outcomes_total", "team", "support", "outcome", "missed"), 1, -1},
	}
	for _, c := range counters {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// The same fold as the collector's windowed figures.
	rep := r.col.Report(t0, at(3600)).Total
	if rep.Completed != 2 || rep.Abandoned != 1 || rep.Missed != 1 || rep.Declined != 1 || rep.Deflections != 1 ||
		rep.AnswerTime.Total != 47*time.Second || rep.TalkTime != 125*time.Second ||
		rep.QueueTime.Total != 67*time.Second || rep.QueueTime.Count != 3 {
		t.Errorf("collector report disagrees: %+v", rep)
	}
	if problems, err := testutil.CollectAndLint(r.x); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}

	if got := r.value("phonebalance_events_total"); got != float64(r.n) {
		t.Errorf("events_total = %v, want %d", got, r.n)
	}

	// The exporter mirrors the collector: a new collector (a rebuilt
	// fold) is what the next scrape shows.
	fresh, err := metrics.New(metrics.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	r.col = fresh
	if got := r.value("phonebalance_events_total"); got != 0 {
		t.Errorf("events_total = %v from a new collector: the exporter kept a count of its own", got)
	}
}

// zeroHistogram is the exposition of an empty histogram of team.
func zeroHistogram(name, team string, bounds []float64) string {
	var b strings.Builder
	for _, le := range append(slices.Clone(bounds), math.Inf(1)) {
		fmt.Fprintf(&b, "%s_bucket{team=%q,le=%q,workspace=\"w1\"} 0\n", name, team, strconv.FormatFloat(le, 'g', -1, 64))
	}
	fmt.Fprintf(&b, "%s_sum{team=%q,workspace=\"w1\"} 0\n%s_count{team=%q,workspace=\"w1\"} 0", name, team, name, team)
	return b.String()
}

// Callbacks and the callbacks not reached are counted per team, from 0.
//
// Rule: LC5, MT15
func TestCallbackCounters(t *testing.T) {
	r := newRig(t)
	e := r.eng
	r.do(e.AddTeam("support", "Support", assign.TeamConfig{}))
	if got := r.value("phonebalance_callbacks_total", "team", "support"); got != 0 {
		t.Fatalf("callbacks before any: %v", got)
	}
	r.do(e.AddTeammate(at(0), "ana", "Ana", presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}))
	r.do(e.AddMember(at(0), "support", "ana"))
	r.do(e.Arrive(at(1), "c1", "support"))
	r.do(e.Arrive(at(2), "c2", "support"))
	r.do(e.QueueCallback(at(3), "c1"))
	r.do(e.QueueCallback(at(3), "c2"))
	r.do(e.Answer(at(4), "c1", "ana"))
	r.do(e.CallbackUnreached(at(40), "c1"))
	if got := r.value("phonebalance_callbacks_total", "team", "support"); got != 2 {
		t.Errorf("callbacks_total = %v, want 2", got)
	}
	if got := r.value("phonebalance_callbacks_unreached_total", "team", "support"); got != 1 {
		t.Errorf("callbacks_unreached_total = %v, want 1", got)
	}
}
