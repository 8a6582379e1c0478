package telephony

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/replica"
)

// Doer submits a command to the replica: *replica.Node is one. The
// dispatcher uses it to report a ring that could not be placed.
type Doer interface {
	Do(ctx context.Context, ws replica.WorkspaceID, cmd assign.Command) (assign.Ready, error)
}

// Defaults of [DispatcherConfig].
const (
	DefaultTimeout     = 10 * time.Second
	DefaultConcurrency = 32
)

// DispatcherConfig configures a [Dispatcher].
type DispatcherConfig struct {
	// Telephony carries out the effects. Nil means the dispatcher queues
	// every effect until [Dispatcher.SetTelephony] is called (or it is
	// closed), so a Telephony that needs the replica node can be built
	// after the node is open without missing the first rings.
	Telephony Telephony
	// Timeout bounds each Execute, each Reconcile and each connectivity
	// decline; zero means DefaultTimeout (10 s).
	Timeout time.Duration
	// Concurrency bounds the Executes (and Reconciles) running at once;
	// zero means DefaultConcurrency (32).
	Concurrency int
	// Logger receives failures and dropped effects, each logged with a
	// context carrying the trace of the effect's command (see
	// [Telephony]); nil means slog.Default().
	Logger *slog.Logger
}

// Dispatcher runs the effects of the replica's deliveries through a
// [Telephony]. Its Deliver method is the replica's Config.Deliver, called
// on the leader only, in log order, on one goroutine; it only queues and
// returns at once.
//
// Ordering and concurrency: every effect is queued under a key, its call
// for Ring, StopRinging and Deflect, its teammate for ReassignReplies.
// The effects of one key run one at a time in log order; different keys
// run concurrently on up to Concurrency goroutines, taken in turn, so a
// slow ring of one call never holds up another call's effects (unless
// Concurrency calls are all slow at once). Each Execute has its own
// deadline (Timeout).
//
// A Ring whose Execute fails (an error, a panic or the deadline) becomes
// a connectivity decline for that teammate, submitted through the [Doer]
// on the same key right after, so the call rings the next teammate at
// once instead of ringing nobody until the ring times out.
//
// Reconciliation: a replica Reconcile delivery (on gaining leadership)
// waits until every effect of its workspace queued before it has run, and
// holds the workspace's later effects until it is done. A [Reconciler]
// then gets the list of rings. For any other Telephony the dispatcher
// reconciles itself: it keeps, per workspace, the rings it was asked to
// start and not since asked to stop (or answered, declined, ended: it
// reads the delivered events), and queues a StopRinging for each of them
// the list does not name and a Ring for each listed ring not among them.
//
// Losing leadership cancels nothing: the effects already queued were
// committed and still run (dropping a queued StopRinging would leave a
// phone ringing that no leader stops); the replica hands a follower no
// new delivery. Close drops what has not started, logging each dropped
// effect at Warn level; see [Dispatcher.Close].
//
// All methods are safe for concurrent use.
type Dispatcher struct {
	timeout time.Duration
	max     int
	logger  *slog.Logger
	ctx     context.Context // ends at Close
	cancel  context.CancelFunc
	wg      sync.WaitGroup // the workers

	mu      sync.Mutex
	tel     Telephony
	doer    Doer
	closed  bool
	lanes   map[laneKey]*lane
	ready   []*lane // lanes with a job to run and no worker on them, in turn
	workers int     // worker goroutines
	running int     // workers running a job
	spaces  map[replica.WorkspaceID]*space
	pending int           // jobs queued or running, effects held by a reconcile
	idle    chan struct{} // closed and replaced when pending drops to zero
}

// NewDispatcher returns a dispatcher. Attach the node with
// [Dispatcher.SetDoer] once it is open. It starts no goroutine until it
// has work.
func NewDispatcher(cfg DispatcherConfig) *Dispatcher {
	d := &Dispatcher{timeout: cfg.Timeout, max: cfg.Concurrency, logger: cfg.Logger, tel: cfg.Telephony,
		lanes: make(map[laneKey]*lane), spaces: make(map[replica.WorkspaceID]*space), idle: make(chan struct{})}
	if d.timeout <= 0 {
		d.timeout = DefaultTimeout
	}
	if d.max <= 0 {
		d.max = DefaultConcurrency
	}
	if d.logger == nil {
		d.logger = slog.Default()
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	return d
}

// SetDoer sets where connectivity declines are submitted (the replica
// node). Until it is set, a failed Ring is only logged.
func (d *Dispatcher) SetDoer(doer Doer) {
	d.mu.Lock()
	d.doer = doer
	d.mu.Unlock()
}

// SetTelephony replaces the Telephony; effects queued because none was
// set start running. It returns at once; an Execute in progress finishes
// with the Telephony it started with. Nil is ignored.
func (d *Dispatcher) SetTelephony(t Telephony) {
	if t == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tel = t
	d.spawnLocked()
}

// Telephony returns the Telephony in use, or nil if none is set yet.
func (d *Dispatcher) Telephony() Telephony {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tel
}

// Deliver queues one delivery's effects (and, for a Reconcile delivery,
// the reconciliation) and returns at once, never waiting for a Telephony.
// It is meant to be replica.Config.Deliver. After Close it drops the
// delivery, logging each effect.
func (d *Dispatcher) Deliver(dl replica.Delivery) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		d.dropLocked(dl, "the dispatcher is closed")
		return
	}
	d.deliverLocked(dl)
	d.spawnLocked()
}

// Sync waits until the dispatcher is idle: every effect handed to it so
// far has run (or was dropped at Close), including those a
// reconciliation queued. Under a steady stream of deliveries it may not
// return before ctx ends, which it then reports.
func (d *Dispatcher) Sync(ctx context.Context) error {
	for {
		d.mu.Lock()
		if d.pending == 0 {
			d.mu.Unlock()
			return nil
		}
		idle := d.idle
		d.mu.Unlock()
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close cancels the context of every Execute, Reconcile and decline in
// progress, drops every effect that has not started (queued, or held
// behind a reconciliation, or waiting for a Telephony), logging each at
// Warn level, and waits for the running ones to return. Deliveries after
// Close are dropped the same way. It is idempotent.
func (d *Dispatcher) Close() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		d.wg.Wait()
		return
	}
	d.closed = true
	d.cancel()
	for _, l := range d.lanes {
		for _, j := range l.jobs {
			d.dropJobLocked(l.key.ws, j)
		}
		d.pending -= len(l.jobs)
		l.jobs = nil
	}
	d.ready = nil
	for _, sp := range d.spaces {
		for _, dl := range sp.held {
			d.dropLocked(dl, "the dispatcher is closed")
		}
		sp.held = nil
		if sp.reconcile != nil && !sp.reconcileQueued {
			d.dropLocked(*sp.reconcile, "the dispatcher is closed")
			d.pending--
			sp.reconcile = nil
		}
	}
	d.notifyIdleLocked()
	d.mu.Unlock()
	d.wg.Wait()
}

// dropLocked logs each effect of a delivery that will not run.
func (d *Dispatcher) dropLocked(dl replica.Delivery, why string) {
	if dl.Reconcile {
		d.logger.Warn("telephony: reconciliation dropped", "why", why, "workspace", dl.Workspace,
			"index", dl.Index, "rings", len(dl.Effects))
		return
	}
	for i, ef := range dl.Effects {
		d.dropJobLocked(dl.Workspace, job{ef: Effect{Effect: ef, Workspace: dl.Workspace, ID: dl.ID(i)}, trace: dl.Trace})
	}
}

// dropJobLocked logs one job that will not run.
func (d *Dispatcher) dropJobLocked(ws replica.WorkspaceID, j job) {
	if j.reconcile != nil {
		d.dropLocked(*j.reconcile, "the dispatcher is closed")
		return
	}
	d.logger.WarnContext(traced(j.trace), "telephony: effect dropped at shutdown", "workspace", ws, "id", j.ef.ID,
		"effect", j.ef.Kind.String(), "call", j.ef.Call, "teammate", j.ef.Teammate)
}

// notifyIdleLocked wakes Sync when nothing is pending.
func (d *Dispatcher) notifyIdleLocked() {
	if d.pending == 0 {
		close(d.idle)
		d.idle = make(chan struct{})
	}
}

// execute runs one effect with its own deadline and, for a Ring that
// failed, declines for connectivity. The effect's context carries the
// trace of the command that produced it (replica.Trace: the ID of the
// HTTP request that submitted it), and so do the dispatcher's logs of it
// and the decline.
func (d *Dispatcher) execute(tel Telephony, doer Doer, j job) {
	ef := j.ef
	ctx, cancel := context.WithTimeout(replica.WithTrace(d.ctx, j.trace), d.timeout)
	defer cancel()
	err := d.guard(func() error { return tel.Execute(ctx, ef) })
	if err == nil {
		return
	}
	if ef.Kind == assign.Ring {
		d.mu.Lock()
		d.space(ef.Workspace).rings.failed(ef.Call, ef.Teammate, ef.ID)
		d.mu.Unlock()
		d.unreachable(j.trace, doer, ef.Workspace, ef.Call, ef.Teammate, err)
		return
	}
	d.logger.ErrorContext(traced(j.trace), "telephony failed", "workspace", ef.Workspace, "id", ef.ID, "effect", ef.Kind.String(),
		"call", ef.Call, "teammate", ef.Teammate, "err", err)
}

// traced returns a context carrying trace for the logs of an effect (see
// replica.WithTrace); the logger's handler adds it to the record.
func traced(trace string) context.Context { return replica.WithTrace(context.Background(), trace) }

// guard runs f, turning a panic into an error.
func (d *Dispatcher) guard(f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{v}
		}
	}()
	return f()
}

// panicError is a panic in a Telephony method.
type panicError struct{ v any }

func (p *panicError) Error() string { return fmt.Sprintf("telephony: panic: %v", p.v) }

// unreachable reports a ring that could not be placed as a connectivity
// decline, so the engine offers the call to the next teammate at once. If
// the ring already ended (answered, timed out, the customer hung up), the
// engine says so and there is nothing to do. The decline is submitted
// with the trace of the failed Ring's command, so the effects it
// produces (the next ring) and their logs name the same request.
func (d *Dispatcher) unreachable(trace string, doer Doer, ws replica.WorkspaceID, call pb.CallID, tm pb.TeammateID, cause error) {
	d.logger.WarnContext(traced(trace), "telephony: cannot ring teammate; declining for them", "workspace", ws, "call", call,
		"teammate", tm, "err", cause)
	if doer == nil {
		return
	}
	ctx, cancel := context.WithTimeout(replica.WithTrace(d.ctx, trace), d.timeout)
	defer cancel()
	_, err := doer.Do(ctx, ws, assign.Command{Op: assign.OpDecline, Call: call, Teammate: tm,
		Decline: eventlog.DeclineConnectivity})
	switch {
	case err == nil, errors.Is(err, assign.ErrNotRinging), errors.Is(err, assign.ErrCallEnded),
		errors.Is(err, assign.ErrUnknownCall):
	default:
		d.logger.ErrorContext(traced(trace), "telephony: cannot decline for an unreachable teammate", "workspace", ws, "call", call,
			"teammate", tm, "err", err)
	}
}
