package demo

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// engineDriver stands in for a replica and the server's dispatcher: it
// applies each command to an engine at the mock clock's time and hands
// each effect straight to the demo's Execute, in order and synchronously,
// so that a whole run is a deterministic function of the seed.
type engineDriver struct {
	eng    *assign.Engine
	clk    *clock.Mock
	d      *Demo
	index  uint64
	cmds   []string
	events []eventlog.Event
}

func (f *engineDriver) Do(_ context.Context, ws replica.WorkspaceID, cmd assign.Command) (assign.Ready, error) {
	cmd.At = f.clk.Now()
	err := f.eng.Apply(cmd)
	rd := f.eng.Ready()
	rd = assign.Ready{Effects: slices.Clone(rd.Effects), Events: slices.Clone(rd.Events)}
	f.index++
	f.cmds = append(f.cmds, fmt.Sprintf("%s %v %s %s %v", cmd.At.Format("15:04:05.000"), cmd.Op, cmd.Call, cmd.Teammate, err))
	f.events = append(f.events, rd.Events...)
	var tel telephony.Telephony = f.d
	for i, ef := range rd.Effects {
		if err := tel.Execute(context.Background(), telephony.Effect{Effect: ef, Workspace: ws,
			ID: replica.EffectID{Index: f.index, Ordinal: i}}); err != nil {
			panic(err)
		}
	}
	return rd, err
}

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// simulate runs the demo for span of mock time against an engine, jumping
// from one due action or engine deadline to the next, and returns the
// driver and the demo's stats.
func simulate(t *testing.T, cfg Config, engCfg assign.Config, span time.Duration) (*engineDriver, Stats) {
	t.Helper()
	clk := clock.NewMock()
	clk.Set(start)
	cfg.Clock = clk
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := assign.New(engCfg)
	if err != nil {
		t.Fatal(err)
	}
	f := &engineDriver{eng: eng, clk: clk, d: d}
	ctx := context.Background()
	d.reset()
	if err := d.setup(ctx, f); err != nil {
		t.Fatal(err)
	}
	d.begin(clk.Now())
	end := start.Add(span)
	for {
		next, ok := d.sched.next()
		if !ok {
			t.Fatal("nothing scheduled")
		}
		deadline, due := eng.NextDeadline()
		if due && deadline.Before(next) {
			next = deadline
		}
		if next.After(end) {
			break
		}
		if next.After(clk.Now()) {
			clk.Set(next)
		}
		if due && !deadline.After(next) {
			if _, err := f.Do(ctx, d.cfg.Workspace, assign.Command{Op: assign.OpAdvance}); err != nil {
				t.Fatal(err)
			}
		}
		d.step(ctx, f, clk.Now())
	}
	return f, d.Stats()
}

// Thirty minutes of the default demo at its real pace, on a real engine
// with its default config: callers arrive about every 10 s, teammates
// answer, decline, miss and take breaks, talk 20–90 s, and the demo never
// sends a command the engine refuses.
func TestDefaultDemoAgainstEngine(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Seed = 7
	f, st := simulate(t, cfg, assign.DefaultConfig(), 30*time.Minute)
	t.Logf("stats %+v", st)

	// 30 min at 360/h: 180 calls expected, Poisson (SD 13.4).
	if st.Calls < 130 || st.Calls > 230 {
		t.Errorf("%d calls in 30 min, want about 180", st.Calls)
	}
	if st.Refused != 0 {
		t.Errorf("%d commands refused", st.Refused)
		for _, c := range f.cmds {
			t.Log(c)
		}
	}
	kinds := map[eventlog.Kind]int{}
	answered := map[pb.CallID]time.Time{}
	breaks := 0
	for _, ev := range f.events {
		kinds[ev.Kind]++
		switch ev.Kind {
		case eventlog.CallAnswered:
			answered[ev.Call] = ev.At
		case eventlog.CallEnded:
			if a, ok := answered[ev.Call]; ok {
				if talk := ev.At.Sub(a); talk < cfg.TalkMin || talk > cfg.TalkMax {
					t.Errorf("call %s talked %v, outside %v–%v", ev.Call, talk, cfg.TalkMin, cfg.TalkMax)
				}
			}
		case eventlog.StatusChanged:
			if ev.Reason == breakReason {
				breaks++
			}
		}
	}
	for kind, min := range map[eventlog.Kind]int{
		eventlog.CallAnswered: 100, eventlog.CallDeclined: 3, eventlog.CallMissed: 2, eventlog.CallEnded: 100,
	} {
		if kinds[kind] < min {
			t.Errorf("%d %v events, want at least %d", kinds[kind], kind, min)
		}
	}
	if kinds[eventlog.CallAnswered] != st.Answered || kinds[eventlog.CallDeclined] < st.Declined {
		t.Errorf("the engine saw %d answers and %d declines, the demo made %d and %d",
			kinds[eventlog.CallAnswered], kinds[eventlog.CallDeclined], st.Answered, st.Declined)
	}
	// Six teammates with four breaks an hour each: 12 expected in 30 min.
	if breaks < 4 || breaks != st.Breaks {
		t.Errorf("%d breaks logged, %d taken by the demo, want at least 4 and equal", breaks, st.Breaks)
	}
}

// The seed decides everything: the same seed sends the same commands at
// the same times, another seed different ones.
func TestSeedDecides(t *testing.T) {
	run := func(seed uint64) []string {
		cfg := DefaultConfig()
		cfg.Seed = seed
		f, _ := simulate(t, cfg, assign.DefaultConfig(), 5*time.Minute)
		return f.cmds
	}
	a, b, c := run(1), run(1), run(2)
	if !slices.Equal(a, b) {
		t.Error("two runs with seed 1 differ")
	}
	if slices.Equal(a, c) {
		t.Error("seeds 1 and 2 give the same run")
	}
}

// Deflected calls go to voicemail: one teammate for a call every 5 s
// and a queue of two overflow.
func TestDeflectedCallsGoToVoicemail(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Teammates = 1
	cfg.Rate = 720
	cfg.AwayRate = -1
	cfg.TeamConfig.MaxQueue = 2
	f, st := simulate(t, cfg, assign.DefaultConfig(), 10*time.Minute)
	started, recorded := 0, 0
	for _, ev := range f.events {
		switch ev.Kind {
		case eventlog.VoicemailStarted:
			started++
		case eventlog.VoicemailRecorded:
			recorded++
		}
	}
	// A message takes 3–10 s: the last few may be under way at the end.
	if st.Voicemails < 10 || started != st.Voicemails || recorded < started-3 {
		t.Errorf("voicemails: %d sent, %d started, %d recorded; want many, all started and recorded (stats %+v)",
			st.Voicemails, started, recorded, st)
	}
	if st.Refused != 0 {
		t.Errorf("%d commands refused", st.Refused)
	}
}

// With auto-answer the demo's teammates take every ring they get.
func TestAutoAnswer(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Seed = 5
	auto := assign.DefaultConfig()
	auto.AutoAnswer = true
	_, st := simulate(t, cfg, auto, 10*time.Minute)
	if st.Answered < 20 || st.Declined != 0 || st.Refused != 0 {
		t.Errorf("auto-answer: %+v", st)
	}
}

// A new leader's reconciliation: rings the list omits are forgotten, the
// ones it names are taken up.
func TestReconcile(t *testing.T) {
	var _ telephony.Reconciler = (*Demo)(nil)
	clk := clock.NewMock()
	clk.Set(start)
	cfg := DefaultConfig()
	cfg.Clock = clk
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := assign.New(assign.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	f := &engineDriver{eng: eng, clk: clk, d: d}
	ctx := context.Background()
	d.reset()
	if err := d.setup(ctx, f); err != nil {
		t.Fatal(err)
	}
	d.arrive(ctx, f, clk.Now())
	d.step(ctx, f, clk.Now())
	if len(d.rings) != 1 {
		t.Fatalf("after a call: %d rings, want 1", len(d.rings))
	}
	var r ring
	for r = range d.rings {
	}
	if err := d.Reconcile(ctx, d.cfg.Workspace, nil); err != nil {
		t.Fatal(err)
	}
	d.step(ctx, f, clk.Now())
	if len(d.rings) != 0 || d.mates[r.mate].ringing != "" {
		t.Fatalf("after an empty reconcile: rings %v, %s ringing for %q", d.rings, r.mate, d.mates[r.mate].ringing)
	}
	until := clk.Now().Add(30 * time.Second)
	if err := d.Reconcile(ctx, d.cfg.Workspace, []telephony.Ring{{Call: r.call, Teammate: r.mate, Until: until}}); err != nil {
		t.Fatal(err)
	}
	d.step(ctx, f, clk.Now())
	if _, ok := d.rings[r]; !ok || d.mates[r.mate].ringing != r.call {
		t.Fatalf("after a reconcile naming the ring: rings %v", d.rings)
	}
}
