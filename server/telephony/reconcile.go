package telephony

import (
	"context"
	"errors"
	"slices"
	"strings"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/replica"
)

// ringSet is, for one workspace, the rings the dispatcher asked its
// Telephony to start and that have not ended since: not stopped by a
// StopRinging, not answered, declined or missed, the call not ended, the
// Ring not failed. Each ring remembers the ID of the Ring that started it.
// It is what the dispatcher reconciles a Telephony that is not a
// Reconciler against. It holds ringing calls only, so it stays small.
type ringSet map[pb.CallID]map[pb.TeammateID]replica.EffectID

func (s ringSet) start(call pb.CallID, tm pb.TeammateID, id replica.EffectID) {
	m := s[call]
	if m == nil {
		m = make(map[pb.TeammateID]replica.EffectID, 1)
		s[call] = m
	}
	m[tm] = id
}

func (s ringSet) stop(call pb.CallID, tm pb.TeammateID) {
	if m := s[call]; m != nil {
		delete(m, tm)
		if len(m) == 0 {
			delete(s, call)
		}
	}
}

// failed forgets a ring whose Ring failed, unless a later Ring restarted it.
func (s ringSet) failed(call pb.CallID, tm pb.TeammateID, id replica.EffectID) {
	if got, ok := s[call][tm]; ok && got == id {
		s.stop(call, tm)
	}
}

// effect follows a queued effect.
func (s ringSet) effect(ef Effect) {
	switch ef.Kind {
	case assign.Ring:
		s.start(ef.Call, ef.Teammate, ef.ID)
	case assign.StopRinging:
		s.stop(ef.Call, ef.Teammate)
	}
}

// observe follows the events of a delivery: rings the host ended itself
// (an answer, a decline) need no StopRinging, and an ended call rings no
// one.
func (s ringSet) observe(evs []eventlog.Event) {
	for _, ev := range evs {
		switch ev.Kind {
		case eventlog.CallAnswered, eventlog.CallDeclined, eventlog.CallMissed:
			s.stop(ev.Call, ev.Teammate)
		case eventlog.CallEnded, eventlog.CallEndedBeforeAnswer, eventlog.CallDeflected:
			delete(s, ev.Call)
		}
	}
}

// diff returns the rings of s that rings does not name (sorted by call
// and teammate) and the indexes in rings of those s does not hold.
func (s ringSet) diff(rings []Ring) (stops []Ring, starts []int) {
	listed := make(map[pb.CallID]map[pb.TeammateID]bool, len(rings))
	for i, r := range rings {
		if listed[r.Call] == nil {
			listed[r.Call] = make(map[pb.TeammateID]bool, 1)
		}
		listed[r.Call][r.Teammate] = true
		if _, ok := s[r.Call][r.Teammate]; !ok {
			starts = append(starts, i)
		}
	}
	for call, m := range s {
		for tm := range m {
			if !listed[call][tm] {
				stops = append(stops, Ring{Call: call, Teammate: tm})
			}
		}
	}
	slices.SortFunc(stops, func(a, b Ring) int {
		if c := strings.Compare(string(a.Call), string(b.Call)); c != 0 {
			return c
		}
		return strings.Compare(string(a.Teammate), string(b.Teammate))
	})
	return stops, starts
}

// ringsOf returns the rings a Reconcile delivery lists.
func ringsOf(dl replica.Delivery) []Ring {
	rings := make([]Ring, 0, len(dl.Effects))
	for _, ef := range dl.Effects {
		if ef.Kind == assign.Ring {
			rings = append(rings, Ring{Call: ef.Call, Teammate: ef.Teammate, Team: ef.Team, Until: ef.Until,
				AutoAnswer: ef.AutoAnswer})
		}
	}
	return rings
}

// reconcile runs a workspace's reconciliation; nothing else of the
// workspace is queued or running meanwhile. A Reconciler gets the list;
// for any other Telephony the dispatcher queues a StopRinging for each
// ring it started that the list does not name and a Ring for each listed
// ring it did not start, which run after this job.
func (d *Dispatcher) reconcile(tel Telephony, doer Doer, dl replica.Delivery) {
	ws, rings := dl.Workspace, ringsOf(dl)
	if rec, ok := tel.(Reconciler); ok {
		ctx, cancel := context.WithTimeout(d.ctx, d.timeout)
		defer cancel()
		err := d.guard(func() error { return rec.Reconcile(ctx, ws, rings) })
		var unplaced *UnplacedError
		errors.As(err, &unplaced)
		d.mu.Lock()
		sp := d.space(ws)
		clear(sp.rings)
		for i, r := range rings {
			sp.rings.start(r.Call, r.Teammate, dl.ID(i))
		}
		if unplaced != nil {
			for _, r := range unplaced.Rings {
				sp.rings.stop(r.Call, r.Teammate)
			}
		}
		d.mu.Unlock()
		switch {
		case unplaced != nil:
			for _, r := range unplaced.Rings {
				d.unreachable("", doer, ws, r.Call, r.Teammate, unplaced.Err)
			}
		case err != nil:
			d.logger.Error("telephony: reconcile failed", "workspace", ws, "index", dl.Index, "rings", len(rings), "err", err)
		}
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		d.dropLocked(dl, "the dispatcher is closed")
		return
	}
	sp := d.space(ws)
	stops, starts := sp.rings.diff(rings)
	for j, r := range stops {
		d.queueLocked(sp, job{ef: Effect{Effect: assign.Effect{Kind: assign.StopRinging, Call: r.Call, Teammate: r.Teammate},
			Workspace: ws, ID: dl.ID(len(rings) + j), Reconcile: true}})
	}
	for _, i := range starts {
		d.queueLocked(sp, job{ef: Effect{Effect: rings[i].Effect(), Workspace: ws, ID: dl.ID(i), Reconcile: true}})
	}
}
