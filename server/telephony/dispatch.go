package telephony

import (
	"context"
	"errors"
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

// Reconciler is implemented by a [Telephony] that can match its phones to
// a list of rings at once. After a change of leader, the new leader hands
// over the rings its state implies (a replica Reconcile delivery): the
// dispatcher gives a Reconciler the whole list, possibly empty, and the
// Telephony rings each listed teammate for the listed call if that phone
// is not ringing for it already, and stops every other ring it has going.
// A Telephony that is not a Reconciler gets each listed Ring instead (so
// its Ring must be idempotent) and no stop for rings the list omits.
type Reconciler interface {
	Reconcile(ctx context.Context, rings []assign.Effect) error
}

// DispatcherConfig configures a [Dispatcher].
type DispatcherConfig struct {
	// Telephony carries out the effects. Nil means the dispatcher holds
	// every delivery until [Dispatcher.SetTelephony] is called (or it is
	// closed), so a Telephony that needs the replica node can be built
	// after the node is open without missing the first rings.
	Telephony Telephony
	// Timeout bounds each Telephony call and each connectivity decline;
	// zero means 10 s.
	Timeout time.Duration
	// Logger receives failures; nil means slog.Default().
	Logger *slog.Logger
}

// Dispatcher runs the effects of each replica delivery through a
// [Telephony]. Its Deliver method is the replica's Config.Deliver: the
// replica calls it on the leader only, in log order, on one goroutine.
// A Ring that fails becomes a connectivity decline for that teammate
// (submitted through the [Doer]), so the call rings the next teammate at
// once instead of ringing nobody until the ring times out.
//
// SetTelephony and Close are safe to call from any goroutine.
type Dispatcher struct {
	timeout time.Duration
	logger  *slog.Logger

	mu     sync.Mutex
	tel    Telephony
	doer   Doer
	ready  chan struct{} // closed once a Telephony is set or the dispatcher closed
	closed bool
	ctx    context.Context
	cancel context.CancelFunc
}

// NewDispatcher returns a dispatcher. Attach the node with
// [Dispatcher.SetDoer] once it is open.
func NewDispatcher(cfg DispatcherConfig) *Dispatcher {
	d := &Dispatcher{timeout: cfg.Timeout, logger: cfg.Logger, ready: make(chan struct{})}
	if d.timeout <= 0 {
		d.timeout = 10 * time.Second
	}
	if d.logger == nil {
		d.logger = slog.Default()
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	if cfg.Telephony != nil {
		d.tel = cfg.Telephony
		close(d.ready)
	}
	return d
}

// SetDoer sets where connectivity declines are submitted (the replica
// node). Until it is set, a failed Ring is only logged.
func (d *Dispatcher) SetDoer(doer Doer) {
	d.mu.Lock()
	d.doer = doer
	d.mu.Unlock()
}

// SetTelephony replaces the Telephony; deliveries held because none was
// set are released. It returns at once; a delivery in progress finishes
// with the Telephony it started with.
func (d *Dispatcher) SetTelephony(t Telephony) {
	if t == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tel = t
	if !d.closed {
		select {
		case <-d.ready:
		default:
			close(d.ready)
		}
	}
}

// Telephony returns the Telephony in use, or nil if none is set yet.
func (d *Dispatcher) Telephony() Telephony {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tel
}

// Close cancels the context of Telephony calls in progress and releases
// held deliveries, which are then dropped (logged). It is idempotent.
func (d *Dispatcher) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.closed = true
	d.cancel()
	select {
	case <-d.ready:
	default:
		close(d.ready)
	}
}

// Deliver carries out one delivery's effects, in order. It blocks while
// no Telephony is set. It is meant to be replica.Config.Deliver.
func (d *Dispatcher) Deliver(dl replica.Delivery) {
	if len(dl.Effects) == 0 && !dl.Reconcile {
		return
	}
	<-d.ready
	d.mu.Lock()
	tel, doer, closed := d.tel, d.doer, d.closed
	d.mu.Unlock()
	if closed || tel == nil {
		d.logger.Warn("telephony: dropping effects at shutdown", "index", dl.Index, "effects", len(dl.Effects))
		return
	}
	if rec, ok := tel.(Reconciler); ok && dl.Reconcile {
		ctx, cancel := context.WithTimeout(d.ctx, d.timeout)
		defer cancel()
		if err := rec.Reconcile(ctx, dl.Effects); err != nil {
			d.logger.Error("telephony: reconcile failed", "index", dl.Index, "rings", len(dl.Effects), "err", err)
		}
		return
	}
	for _, ef := range dl.Effects {
		d.execute(tel, doer, dl.Workspace, ef)
	}
}

// execute carries out one effect.
func (d *Dispatcher) execute(tel Telephony, doer Doer, ws replica.WorkspaceID, ef assign.Effect) {
	ctx, cancel := context.WithTimeout(d.ctx, d.timeout)
	defer cancel()
	var err error
	switch ef.Kind {
	case assign.Ring:
		if err = tel.Ring(ctx, ef.Call, ef.Teammate, ef.Until, ef.AutoAnswer); err != nil {
			d.unreachable(doer, ws, ef.Call, ef.Teammate, err)
			return
		}
	case assign.StopRinging:
		err = tel.StopRinging(ctx, ef.Call, ef.Teammate)
	case assign.Deflect:
		err = tel.Deflect(ctx, ef.Call, ef.Team, ef.Deflection)
	case assign.ReassignReplies:
		err = tel.ReassignReplies(ctx, ef.Teammate)
	default:
		d.logger.Warn("telephony: unknown effect", "kind", ef.Kind.String(), "call", ef.Call)
		return
	}
	if err != nil {
		d.logger.Error("telephony failed", "effect", ef.Kind.String(), "call", ef.Call,
			"teammate", ef.Teammate, "err", err)
	}
}

// unreachable reports a ring that could not be placed as a connectivity
// decline, so the engine offers the call to the next teammate at once. If
// the ring already ended (answered, timed out, the customer hung up), the
// engine says so and there is nothing to do.
func (d *Dispatcher) unreachable(doer Doer, ws replica.WorkspaceID, call pb.CallID, tm pb.TeammateID, cause error) {
	d.logger.Warn("telephony: cannot ring teammate; declining for them", "call", call, "teammate", tm, "err", cause)
	if doer == nil {
		return
	}
	ctx, cancel := context.WithTimeout(d.ctx, d.timeout)
	defer cancel()
	_, err := doer.Do(ctx, ws, assign.Command{Op: assign.OpDecline, Call: call, Teammate: tm,
		Decline: eventlog.DeclineConnectivity})
	switch {
	case err == nil, errors.Is(err, assign.ErrNotRinging), errors.Is(err, assign.ErrCallEnded),
		errors.Is(err, assign.ErrUnknownCall):
	default:
		d.logger.Error("telephony: cannot decline for an unreachable teammate", "call", call, "teammate", tm, "err", err)
	}
}
