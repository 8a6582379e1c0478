package advice

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// day is a hand-made stream (window 10 min):
//
//	c1 support: queued 0:10, answered by ana 0:20, ended 2:20 (talk 120 s),
//	   wrap-up 2:20 planned until 2:50, ended early at 2:35: handle 135 s.
//	c2 support: queued 1:00, answered by bob 1:05, ended 4:05: handle 180 s.
//	c3 support: queued 3:00, hung up in the queue 3:30: an arrival only.
//	c4 support: queued 5:00, answered by ana 5:10, transferred to billing
//	   6:10 (handle 60 s for support), queued for billing 6:10, answered by
//	   cy 6:20, ended 7:20 (handle 60 s for billing).
//	c5 outbound by bob 8:00–9:00: not counted.
func day() *stream {
	s := &stream{}
	s.member(at(0, 0), "support", "ana").member(at(0, 0), "support", "bob").member(at(0, 0), "billing", "cy")
	s.queued(at(0, 10), "c1", "support").answered(at(0, 20), "c1", "support", "ana")
	s.queued(at(1, 0), "c2", "support").answered(at(1, 5), "c2", "support", "bob")
	s.ended(at(2, 20), "c1", "ana").wrap(at(2, 20), at(2, 50), "ana").wrapEnd(at(2, 35), "ana")
	s.queued(at(3, 0), "c3", "support")
	s.add(eventlog.Event{At: at(3, 30), Kind: eventlog.CallEndedBeforeAnswer, Call: "c3", Direction: pb.Inbound, Team: "support", Stage: eventlog.StageQueued})
	s.ended(at(4, 5), "c2", "bob")
	s.queued(at(5, 0), "c4", "support").answered(at(5, 10), "c4", "support", "ana")
	s.add(eventlog.Event{At: at(6, 10), Kind: eventlog.CallTransferred, Call: "c4", Direction: pb.Inbound, Team: "billing", Teammate: "ana"})
	s.queued(at(6, 10), "c4", "billing").answered(at(6, 20), "c4", "billing", "cy")
	s.ended(at(7, 20), "c4", "cy")
	s.add(eventlog.Event{At: at(8, 0), Kind: eventlog.CallPlaced, Call: "c5", Direction: pb.Outbound, Teammate: "bob"})
	s.add(eventlog.Event{At: at(8, 10), Kind: eventlog.CustomerAnswered, Call: "c5", Direction: pb.Outbound, Teammate: "bob"})
	s.add(eventlog.Event{At: at(9, 0), Kind: eventlog.CallEnded, Call: "c5", Direction: pb.Outbound, Teammate: "bob", Stage: eventlog.StageTalking, By: eventlog.ByTeammate})
	return s
}

func newTracker(t *testing.T, cfg Config) *Tracker {
	t.Helper()
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestAdviceHandFigures(t *testing.T) {
	tr := day().into(newTracker(t, Config{Window: 10 * time.Minute}))
	got := tr.Advice(at(10, 0), map[pb.TeamID]int{"support": 2, "billing": 1})
	// Window (0:00, 10:00]. Support: 4 arrivals in 10 min = 24/h; handle
	// (135 + 180 + 60)/3 = 125 s; a = 24 × 125/3600 = 0.833 E. Two agents:
	// C = a²/(2+a) = 0.2451, SL = 1 − 0.2451·e^{−(2−a)·20/125} = 0.797 <
	// 0.8; three: B₃ = 0.04236, C = 3B₃/(3 − a(1−B₃)) = 0.0577,
	// SL = 1 − 0.0577·e^{−(3−a)·20/125} = 0.959: 3 needed.
	// Billing: 1 arrival = 6/h, handle 60 s, a = 0.1 E; one agent:
	// C = 0.1, SL = 1 − 0.1·e^{−0.9·20/60} = 0.926: 1 needed.
	want := []TeamAdvice{
		{Team: "billing", ArrivalsPerHour: 6, MeanHandle: 60 * time.Second, Available: 1, Needed: 1,
			Target: Target{20 * time.Second, 0.8}, Text: "1 teammate available; 1 needed for 80 % within 20 s"},
		{Team: "support", ArrivalsPerHour: 24, MeanHandle: 125 * time.Second, Available: 2, Needed: 3,
			Target: Target{20 * time.Second, 0.8}, Text: "2 teammates available; 3 needed for 80 % within 20 s"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Advice at 10:00:\n got %+v\nwant %+v", got, want)
	}

	// Window (4:00, 14:00]: support's arrivals c4 only (6/h), handles c2
	// (ended 4:05) and c4: (180 + 60)/2 = 120 s.
	got = tr.Advice(at(14, 0), nil)
	if s := got[1]; s.ArrivalsPerHour != 6 || s.MeanHandle != 120*time.Second || s.Available != 0 {
		t.Errorf("support at 14:00: %+v, want 6/h, 120 s, 0 available", s)
	}
	// Window (20:00, 30:00]: no arrivals, no handles: nothing needed.
	got = tr.Advice(at(30, 0), nil)
	if s := got[1]; s.ArrivalsPerHour != 0 || s.Needed != 0 || s.Text != "0 teammates available; 0 needed for 80 % within 20 s" {
		t.Errorf("support at 30:00: %+v", s)
	}
}

// A wrap-up in progress counts until its deadline; its end corrects it.
func TestAdviceWrapUpInProgress(t *testing.T) {
	s := &stream{}
	s.queued(at(0, 0), "c1", "support").answered(at(0, 10), "c1", "support", "ana")
	s.ended(at(1, 10), "c1", "ana").wrap(at(1, 10), at(1, 40), "ana")
	tr := s.into(newTracker(t, Config{}))
	if got := tr.Advice(at(1, 20), nil)[0].MeanHandle; got != 90*time.Second {
		t.Errorf("during wrap-up: mean handle %v, want 60 s talk + 30 s planned wrap-up", got)
	}
	s.wrapEnd(at(1, 40), "ana")
	tr.Observe(s.evs[len(s.evs)-1])
	if got := tr.Advice(at(2, 0), nil)[0].MeanHandle; got != 90*time.Second {
		t.Errorf("after wrap-up: %v, want 90 s", got)
	}
	// A wrap-up that does not start when the call ends is not the call's.
	s2 := &stream{}
	s2.queued(at(0, 0), "c1", "support").answered(at(0, 10), "c1", "support", "ana")
	s2.ended(at(1, 10), "c1", "ana").wrap(at(1, 20), at(1, 50), "ana").wrapEnd(at(1, 50), "ana")
	if got := s2.into(newTracker(t, Config{})).Advice(at(2, 0), nil)[0].MeanHandle; got != time.Minute {
		t.Errorf("unrelated wrap-up: %v, want the 60 s talk", got)
	}
}

// While the stream is younger than the window, the rate is over its age
// (at least a minute).
func TestAdviceYoungStream(t *testing.T) {
	s := &stream{}
	s.member(at(0, 0), "support", "ana").queued(at(0, 20), "c1", "support")
	tr := s.into(newTracker(t, Config{}))
	got := tr.Advice(at(0, 30), map[pb.TeamID]int{"support": 1})[0]
	if got.ArrivalsPerHour != 60 {
		t.Errorf("1 arrival, 30 s in: %v/h, want 60/h (over the 1 min floor)", got.ArrivalsPerHour)
	}
	if got.Needed != 0 || got.Text != "1 teammate available; no finished call yet to size the team for 80 % within 20 s" {
		t.Errorf("no handle time yet: %+v", got)
	}
	if got := tr.Advice(at(5, 0), nil)[0].ArrivalsPerHour; got != 12 {
		t.Errorf("1 arrival, 5 min in: %v/h, want 12/h", got)
	}
	if got := tr.Advice(at(60, 0), nil)[0].ArrivalsPerHour; got != 0 {
		t.Errorf("an hour in, window 30 min: %v/h, want 0", got)
	}
}

// A team whose window holds arrivals but no finished call uses the mean
// of every call it has finished.
func TestAdviceFallsBackToLifetimeMean(t *testing.T) {
	s := day()
	s.queued(at(29, 0), "c6", "support")
	tr := s.into(newTracker(t, Config{Window: 10 * time.Minute}))
	got := tr.Advice(at(30, 0), nil)[1]
	if got.ArrivalsPerHour != 6 || got.MeanHandle != 125*time.Second {
		t.Errorf("support at 30:00: %+v, want 6/h and the lifetime 125 s", got)
	}
}

func TestTargets(t *testing.T) {
	tr := day().into(newTracker(t, Config{
		Window:  10 * time.Minute,
		Default: Target{Fraction: 0.9},
		PerTeam: map[pb.TeamID]Target{"billing": {Within: 30 * time.Second, Fraction: 0.955}},
	}))
	got := tr.Advice(at(10, 0), map[pb.TeamID]int{"sales": 4})
	if got[0].Target != (Target{30 * time.Second, 0.955}) || got[0].Text != "0 teammates available; 2 needed for 95.5 % within 30 s" {
		t.Errorf("billing: %+v", got[0])
	}
	// Sales is only named by available: listed, nothing needed.
	if got[1].Team != "sales" || got[1].Needed != 0 || got[1].Available != 4 {
		t.Errorf("sales: %+v", got[1])
	}
	// Support takes the default's fraction and the package's within.
	if got[2].Target != (Target{20 * time.Second, 0.9}) || got[2].Needed != 3 {
		t.Errorf("support: %+v", got[2])
	}
	if err := tr.SetTarget("support", Target{Within: 2 * time.Minute, Fraction: 0.5}); err != nil {
		t.Fatal(err)
	}
	// a = 0.833 E, one agent: C = 0.833, SL = 1 − 0.833·e^{−(1−a)·120/125}
	// = 0.293; two: C = 0.2451, SL = 1 − 0.2451·e^{−1.167·0.96} = 0.92.
	if got := tr.Advice(at(10, 0), nil)[1]; got.Needed != 2 || got.Text != "0 teammates available; 2 needed for 50 % within 120 s" {
		t.Errorf("support after SetTarget: %+v", got)
	}
	if err := tr.SetTarget("support", Target{}); err != nil {
		t.Fatal(err)
	}
	if got := tr.Advice(at(10, 0), nil)[1].Target; got != (Target{20 * time.Second, 0.9}) {
		t.Errorf("a zero target restores the default: %+v", got)
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want error
	}{
		{Config{Window: -time.Second}, ErrBadConfig},
		{Config{Default: Target{Fraction: 1}}, ErrBadTarget},
		{Config{Default: Target{Fraction: -0.5}}, ErrBadTarget},
		{Config{Default: Target{Within: -time.Second}}, ErrBadTarget},
		{Config{PerTeam: map[pb.TeamID]Target{"": {}}}, ErrBadTarget},
		{Config{PerTeam: map[pb.TeamID]Target{"x": {Fraction: 1.2}}}, ErrBadTarget},
	} {
		if _, err := New(tc.cfg); !errors.Is(err, tc.want) {
			t.Errorf("New(%+v) = %v, want %v", tc.cfg, err, tc.want)
		}
	}
	tr := newTracker(t, Config{})
	before := tr.Advice(t0, map[pb.TeamID]int{"support": 1})
	for _, tg := range []Target{{Fraction: 1}, {Within: -1}, {Fraction: 2}} {
		if err := tr.SetTarget("support", tg); !errors.Is(err, ErrBadTarget) {
			t.Errorf("SetTarget(%+v) = %v, want ErrBadTarget", tg, err)
		}
	}
	if err := tr.SetTarget("", Target{}); !errors.Is(err, ErrBadTarget) {
		t.Errorf("SetTarget with no team = %v", err)
	}
	if after := tr.Advice(t0, map[pb.TeamID]int{"support": 1}); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("a refused target changed the advice: %+v -> %+v", before, after)
	}
}

// Replaying a stream, or feeding events out of order, changes nothing.
func TestObserveIgnoresReplays(t *testing.T) {
	s := day()
	tr := s.into(newTracker(t, Config{Window: 10 * time.Minute}))
	want := fmt.Sprint(tr.Advice(at(10, 0), nil))
	s.into(tr)
	tr.Observe(eventlog.Event{Seq: 1000, At: at(1, 0), Kind: eventlog.CallQueued, Call: "late", Direction: pb.Inbound, Team: "support"})
	tr.Observe(eventlog.Event{Seq: 1001, At: at(9, 0), Kind: eventlog.Kind(200), Team: "support"})
	if got := fmt.Sprint(tr.Advice(at(10, 0), nil)); got != want {
		t.Errorf("after a replay:\n got %s\nwant %s", got, want)
	}
	if got := tr.Ignored(); got != len(s.evs)+2 {
		t.Errorf("Ignored = %d, want %d", got, len(s.evs)+2)
	}
}

// Observe and Advice from many goroutines (run with -race).
func TestConcurrentUse(t *testing.T) {
	s := day()
	tr := newTracker(t, Config{Window: 10 * time.Minute})
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		s.into(tr)
	}()
	for range 2 {
		go func() {
			defer wg.Done()
			for range 50 {
				_ = tr.Advice(at(10, 0), map[pb.TeamID]int{"support": 1})
				_ = tr.SetTarget("billing", Target{Fraction: 0.7})
			}
		}()
	}
	wg.Wait()
	if got := tr.Advice(at(10, 0), nil)[1]; got.ArrivalsPerHour != 24 || got.MeanHandle != 125*time.Second {
		t.Errorf("support after concurrent use: %+v", got)
	}
}
