package dashboard

import (
	"context"
	"errors"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/server/advice"
)

// The day's charts from a real engine and fold: one entry per ended
// 15-minute bucket since midnight, the calls waiting as queue time over
// the bucket, the answer time and the service level at the target's time;
// a bucket still running is not charted, so the section does not change
// until it ends; a new day starts over.
//
// Rule: MT8, MT10
func TestDayCharts(t *testing.T) {
	eng, err := assign.New(assign.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	col, err := metrics.New(metrics.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	morning := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	now := morning
	var rung pb.TeammateID // the teammate the last ring went to
	do := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		rd := eng.Ready()
		for _, ev := range rd.Events {
			if err := col.Observe(ev); err != nil {
				t.Fatal(err)
			}
		}
		for _, ef := range rd.Effects {
			if ef.Kind == assign.Ring {
				rung = ef.Teammate
			}
		}
	}
	sec := func(s int) time.Time { return morning.Add(time.Duration(s) * time.Second) }
	st := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	do(eng.AddTeam("support", "Support", assign.TeamConfig{}))
	do(eng.AddTeam("sales", "Sales", assign.TeamConfig{}))
	do(eng.AddTeammate(sec(0), "ana", "Ana", st))
	do(eng.AddMember(sec(0), "support", "ana"))
	do(eng.AddTeammate(sec(0), "ben", "Ben", st))
	do(eng.AddMember(sec(0), "support", "ben"))
	// 09:00 bucket: call-1 answered after 15 s (within 20 s), call-2 after
	// 25 s (not within): queue time 40 s, mean answer 20 s, 50 %.
	do(eng.Arrive(sec(0), "call-1", "support"))
	do(eng.Answer(sec(15), "call-1", rung))
	do(eng.EndCall(sec(100), "call-1", eventlog.ByCustomer))
	do(eng.Arrive(sec(200), "call-2", "support"))
	do(eng.Answer(sec(225), "call-2", rung))
	do(eng.EndCall(sec(300), "call-2", eventlog.ByCustomer))
	// 09:15 bucket, still running at 09:20: call-3 answered at once.
	do(eng.Arrive(sec(1200), "call-3", "support"))
	do(eng.Answer(sec(1201), "call-3", rung))
	do(eng.EndCall(sec(1210), "call-3", eventlog.ByCustomer))

	src, err := NewSource(Parts{
		Now:           func() time.Time { return now },
		View:          func(read func(*assign.Engine)) (bool, error) { read(eng); return true, nil },
		WithCollector: func(fn func(*metrics.Collector)) { fn(col) },
		Advice: func(time.Time, map[pb.TeamID]int) []TeamAdvice {
			return []TeamAdvice{{Team: "support", Target: advice.Target{Within: 25 * time.Second, Fraction: 0.9}}}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	now = sec(1200) // 09:20
	s, err := src.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	day := s.Day
	if !day.From.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) || day.BucketMS != 15*60*1000 || day.Slots != 96 {
		t.Fatalf("day from %v, bucket %d ms, %d slots", day.From, day.BucketMS, day.Slots)
	}
	if len(day.Teams) != 2 || day.Teams[0].ID != "sales" || day.Teams[1].ID != "support" {
		t.Fatalf("teams %+v, want sales then support (the table's order)", day.Teams)
	}
	sales, support := day.Teams[0], day.Teams[1]
	// 09:00 is bucket 36; 37 buckets have ended by 09:20.
	eq := func(what string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	eq("support buckets", len(support.Waiting), 37)
	eq("sales buckets", len(sales.Waiting), 37)
	eq("support waiting at 09:00", support.Waiting[36], 0.04) // 40 s of queue over 900 s
	eq("support answer at 09:00", support.AnswerMS[36], int64(20000))
	eq("support service level at 09:00", support.ServiceLevel[36], 0.5)
	eq("support at 08:45", support.ServiceLevel[35], -1.0)
	// A 25 s target is measured at the 20 s point; the advice's fraction.
	eq("support within", support.WithinMS, int64(20000))
	eq("support target", support.TargetFraction, 0.9)
	eq("sales target (the default)", sales.TargetFraction, advice.DefaultFraction)
	eq("sales service level at 09:00", sales.ServiceLevel[36], -1.0)

	// 09:29: the 09:15 bucket still runs: the charts are the same.
	now = sec(29 * 60)
	s2, err := src.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	eq("buckets at 09:29", len(s2.Day.Teams[1].Waiting), 37)
	f1, _, err := encodeFrame(s, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	f2, _, err := encodeFrame(s2, 2, f1)
	if err != nil {
		t.Fatal(err)
	}
	if &f1.day[0] != &f2.day[0] {
		t.Errorf("the day's section changed within a bucket:\n%s\n%s", f1.day, f2.day)
	}
	// 09:30: the 09:15 bucket has ended, with call-3.
	now = sec(30 * 60)
	s3, err := src.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	eq("buckets at 09:30", len(s3.Day.Teams[1].Waiting), 38)
	eq("support service level at 09:15", s3.Day.Teams[1].ServiceLevel[37], 1.0)
	eq("support answer at 09:15", s3.Day.Teams[1].AnswerMS[37], int64(1000))

	// The next day starts over.
	now = time.Date(2026, 3, 3, 0, 20, 0, 0, time.UTC)
	s4, err := src.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	eq("buckets at 00:20 the next day", len(s4.Day.Teams[1].Waiting), 1)

	if _, err := NewSource(Parts{Now: time.Now, View: func(func(*assign.Engine)) (bool, error) { return false, nil },
		WithCollector: func(fn func(*metrics.Collector)) { fn(col) }, ChartBucket: 7 * time.Minute}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("a chart bucket that does not divide a day: %v", err)
	}
}
