package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
)

// Driver is what the demo drives: *replica.Node.
type Driver interface {
	Do(ctx context.Context, ws replica.WorkspaceID, cmd assign.Command) (assign.Ready, error)
}

// maxPending bounds the effects waiting for the demo's loop; beyond it
// Execute refuses them with ErrBusy.
const maxPending = 4096

// commandTimeout bounds each command the demo sends.
const commandTimeout = 5 * time.Second

// ErrRunning is returned by Run when the demo is already running.
var ErrRunning = errors.New("demo: already running")

// Demo simulates callers and teammates. It is the server's telephony
// (Execute, Reconcile), safe for concurrent use; Run runs one loop at a
// time.
type Demo struct {
	cfg Config

	mu      sync.Mutex
	pending []item
	running bool
	stats   Stats
	wake    chan struct{} // an effect is pending

	// Owned by Run's goroutine.
	rng   *rand.Rand
	sched scheduler
	calls map[pb.CallID]*call
	mates map[pb.TeammateID]*mate
	rings map[ring]uint64 // live rings, by generation
	gen   uint64
	n     int    // calls placed
	tag   string // prefix of this run's call IDs
}

// Stats counts what the demo did in its current or last run.
type Stats struct {
	Calls      int // calls placed
	Answered   int // rings answered
	Declined   int // rings declined
	LetRing    int // rings left to time out
	HungUp     int // callers who hung up unanswered
	Voicemails int // deflected calls sent to voicemail
	Breaks     int // breaks taken
	Refused    int // commands the node refused
	Dropped    int // effects refused for want of room (ErrBusy)
}

// Stats returns what the demo did in its current or last run. Safe for
// concurrent use.
func (d *Demo) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}

// count updates the stats.
func (d *Demo) count(f func(*Stats)) {
	d.mu.Lock()
	f(&d.stats)
	d.mu.Unlock()
}

type callState uint8

const (
	waiting callState = iota
	talking
	voicemail
	ended
)

type call struct {
	state callState
	mate  pb.TeammateID
}

type mate struct {
	id      pb.TeammateID
	ringing pb.CallID // the call ringing their phone
	talking pb.CallID // the call they are on
}

type ring struct {
	call pb.CallID
	mate pb.TeammateID
}

// New returns a Demo for cfg (see [Config] for its defaults), or an error
// wrapping ErrInvalidConfig. It starts nothing: see Run.
func New(cfg Config) (*Demo, error) {
	cfg = cfg.fill()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Demo{cfg: cfg, wake: make(chan struct{}, 1)}, nil
}

// Run sets up the team and its teammates (those that already exist, as
// after a restart on the same data, are kept) and then simulates until
// ctx is cancelled, when it returns nil. Commands the node refuses (not
// the leader, a call that moved on) are logged at debug level and the
// simulation goes on. It returns ErrRunning if another Run is under way.
func (d *Demo) Run(ctx context.Context, node Driver) error {
	d.mu.Lock()
	if d.running {
		d.mu.Unlock()
		return ErrRunning
	}
	d.running = true
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.running = false
		d.mu.Unlock()
	}()

	d.reset()
	if err := d.setup(ctx, node); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	d.begin(d.cfg.Clock.Now())
	for {
		now := d.cfg.Clock.Now()
		d.step(ctx, node, now)
		var timer *clock.Timer
		var fire <-chan time.Time
		if next, ok := d.sched.next(); ok {
			timer = d.cfg.Clock.Timer(next.Sub(now))
			fire = timer.C
		}
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			st := d.Stats()
			d.cfg.Logger.Info("demo stopped", "calls", st.Calls, "answered", st.Answered)
			return nil
		case <-d.wake:
		case <-fire:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// begin schedules the first call and every teammate's first break, in
// the teammates' order so that the seed alone decides the draws.
func (d *Demo) begin(now time.Time) {
	d.sched.push(now.Add(d.exp(d.interarrival())), d.arrive)
	for _, name := range names[:d.cfg.Teammates] {
		d.scheduleBreak(now, d.mates[mateID(name)])
	}
}

// step reacts to the pending effects and runs the actions due at now.
func (d *Demo) step(ctx context.Context, node Driver, now time.Time) {
	d.handleEffects()
	for {
		fn, ok := d.sched.popDue(now)
		if !ok {
			return
		}
		fn(ctx, node, now)
		d.handleEffects()
	}
}

// reset starts a run with fresh state and the seed's generator.
func (d *Demo) reset() {
	d.rng = rand.New(rand.NewPCG(d.cfg.Seed, 0x9e3779b97f4a7c15))
	d.sched = scheduler{}
	d.calls = make(map[pb.CallID]*call)
	d.mates = make(map[pb.TeammateID]*mate)
	d.rings = make(map[ring]uint64)
	d.n = 0
	d.count(func(s *Stats) { *s = Stats{} })
	// Call IDs must not meet those of an earlier run on the same data.
	d.tag = fmt.Sprintf("demo-%x", d.cfg.Clock.Now().UnixMilli())
}

// do sends one command, bounded in time, and logs a refusal.
func (d *Demo) do(ctx context.Context, node Driver, cmd assign.Command) error {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	_, err := node.Do(ctx, d.cfg.Workspace, cmd)
	if err != nil {
		d.count(func(s *Stats) { s.Refused++ })
		d.cfg.Logger.Debug("demo command refused", "op", cmd.Op, "call", cmd.Call, "teammate", cmd.Teammate, "err", err)
	}
	return err
}
