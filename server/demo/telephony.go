package demo

import (
	"context"
	"errors"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// ErrBusy is returned by [Demo.Execute] and [Demo.Reconcile] when a few
// thousand effects already wait for the demo's loop; the effect is not
// taken (a Ring refused so is declined for connectivity by the
// dispatcher) and Stats.Dropped counts it.
var ErrBusy = errors.New("demo: too many effects waiting")

var _ telephony.Reconciler = (*Demo)(nil)

// Execute takes one of the engine's effects (telephony.Telephony): the
// demo's teammates react to Ring (they will answer, decline or let it
// ring until Until) and StopRinging, and a deflected caller goes to
// voicemail. Rings for teammates who are not the demo's are left to time
// out; effects of another workspace are ignored; a Ring for a ring the
// demo knows does nothing. It only queues the effect for Run's loop and
// returns at once, never calling the node. Safe for concurrent use.
func (d *Demo) Execute(_ context.Context, ef telephony.Effect) error {
	if ef.Workspace != d.cfg.Workspace {
		return nil
	}
	return d.push(item{ef: ef.Effect})
}

// Reconcile matches the simulated phones to a new leader's list of rings
// (telephony.Reconciler): teammates forget the rings the list does not
// name and take up those it names that they did not know. Like Execute,
// it queues and returns at once. Safe for concurrent use.
func (d *Demo) Reconcile(_ context.Context, ws replica.WorkspaceID, rings []telephony.Ring) error {
	if ws != d.cfg.Workspace {
		return nil
	}
	return d.push(item{reconcile: true, rings: rings})
}

// item is an effect, or a reconciliation, waiting for Run's loop.
type item struct {
	ef        assign.Effect
	reconcile bool
	rings     []telephony.Ring
}

// push queues it for Run's loop, unless too many wait.
func (d *Demo) push(it item) error {
	d.mu.Lock()
	if len(d.pending) >= maxPending {
		d.stats.Dropped++
		d.mu.Unlock()
		return ErrBusy
	}
	d.pending = append(d.pending, it)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
	return nil
}
