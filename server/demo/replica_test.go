package demo

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/telephony"
	"go.uber.org/goleak"
)

// The demo on a one-node in-memory replica and the real clock, sped up
// (a call every 100 ms, 100–400 ms calls): through the dispatcher and Do alone
// it makes the engine log answers, declines, misses, hang-ups and breaks,
// and it stops when its context is cancelled. Bounded by conditions, not
// sleeps: the test waits for the events it wants or fails after 60 s.
func TestDemoOnReplica(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	cfg := DefaultConfig()
	cfg.Seed = 3
	cfg.Teammates = 4
	cfg.Rate = 36000
	cfg.TalkMin, cfg.TalkMax = 100*time.Millisecond, 400*time.Millisecond
	cfg.AnswerMin, cfg.AnswerMax = 20*time.Millisecond, 200*time.Millisecond
	cfg.PDecline, cfg.PMiss = 0.15, 0.1
	cfg.Patience = 1500 * time.Millisecond
	cfg.AwayRate, cfg.AwayTime = 3600, 300*time.Millisecond
	dm, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}

	want := map[eventlog.Kind]int{
		eventlog.CallAnswered: 40, eventlog.CallEnded: 40, eventlog.CallDeclined: 3,
		eventlog.CallMissed: 1, eventlog.CallEndedBeforeAnswer: 1, eventlog.StatusChanged: 4,
	}
	var mu sync.Mutex
	seen := map[eventlog.Kind]int{}
	done := make(chan struct{})
	var once sync.Once
	engCfg := assign.DefaultConfig()
	engCfg.RingTimeout = assign.MinRingTimeout
	// The demo is the dispatcher's telephony, as in the server.
	disp := telephony.NewDispatcher(telephony.DispatcherConfig{Telephony: dm})
	defer disp.Close()
	node, err := replica.Open(replica.Config{
		InMemory: true,
		Engine:   engCfg,
		Deliver:  disp.Deliver,
		OnApply: func(a replica.Applied) {
			mu.Lock()
			defer mu.Unlock()
			for _, ev := range a.Ready.Events {
				if ev.Kind != eventlog.StatusChanged || ev.Reason == breakReason {
					seen[ev.Kind]++
				}
			}
			for k, n := range want {
				if seen[k] < n {
					return
				}
			}
			once.Do(func() { close(done) })
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	disp.SetDoer(node)

	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- dm.Run(ctx, node) }()
	select {
	case <-done:
	case err := <-ran:
		t.Fatalf("Run returned early: %v", err)
	case <-time.After(60 * time.Second):
		mu.Lock()
		t.Errorf("after 60 s the engine logged %v, want at least %v", seen, want)
		mu.Unlock()
	}
	if err := dm.Run(ctx, node); !errors.Is(err, ErrRunning) {
		t.Errorf("a second Run = %v, want ErrRunning", err)
	}
	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("Run = %v after cancel, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10 s of cancel")
	}
	st := dm.Stats()
	t.Logf("stats %+v", st)
	if st.Calls == 0 || st.Answered == 0 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
	if err := node.Close(); err != nil {
		t.Error(err)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, mod := range []func(*Config){
		func(c *Config) { c.Teammates = -1 },
		func(c *Config) { c.Teammates = 27 },
		func(c *Config) { c.Rate = -1 },
		func(c *Config) { c.TalkMin, c.TalkMax = 10*time.Second, 5*time.Second },
		func(c *Config) { c.AnswerMin = -time.Second },
		func(c *Config) { c.PDecline, c.PMiss = 0.7, 0.5 },
		func(c *Config) { c.TeamConfig.MaxQueue = -1 },
		func(c *Config) { c.AwayTime = -time.Second },
	} {
		cfg := DefaultConfig()
		mod(&cfg)
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("New(%+v) = %v, want ErrInvalidConfig", cfg, err)
		}
	}
	// Zero fields take the defaults.
	d, err := New(Config{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultConfig()
	if d.cfg.Team != def.Team || d.cfg.Teammates != def.Teammates || d.cfg.Rate != def.Rate || d.cfg.TalkMax != def.TalkMax {
		t.Errorf("filled config %+v", d.cfg)
	}
}
