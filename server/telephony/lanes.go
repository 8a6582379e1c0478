package telephony

import (
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
)

// The dispatcher's queues. Every job has a key (a lane): a call, a
// teammate (ReassignReplies) or a workspace's reconciliation. A lane runs
// its jobs one at a time in order; lanes with work wait in d.ready, in
// turn, for one of at most d.max workers. A worker takes one job of the
// lane at the head, runs it, and puts the lane back at the tail if it has
// more, so that a busy call does not starve the others. Workers exit when
// d.ready is empty: an idle dispatcher has no goroutine.

type laneKind uint8

const (
	laneCall laneKind = iota + 1
	laneTeammate
	laneReconcile
)

type laneKey struct {
	ws       replica.WorkspaceID
	kind     laneKind
	call     pb.CallID
	teammate pb.TeammateID
}

// keyOf is the lane of an effect.
func keyOf(ef Effect) laneKey {
	if ef.Kind == assign.ReassignReplies {
		return laneKey{ws: ef.Workspace, kind: laneTeammate, teammate: ef.Teammate}
	}
	return laneKey{ws: ef.Workspace, kind: laneCall, call: ef.Call}
}

type lane struct {
	key  laneKey
	jobs []job // not started yet
	busy bool  // in d.ready or being run by a worker
}

// job is one effect to execute, with the trace of the command that
// produced it (replica.Delivery.Trace), or a reconciliation to run.
type job struct {
	ef        Effect
	trace     string
	reconcile *replica.Delivery
}

// space is the dispatcher's state for one workspace.
type space struct {
	active          int               // its lanes with a job queued or running
	reconcile       *replica.Delivery // waiting for active to reach zero, or running
	reconcileQueued bool              // reconcile is in its lane
	held            []replica.Delivery
	rings           ringSet
}

func (d *Dispatcher) space(ws replica.WorkspaceID) *space {
	sp := d.spaces[ws]
	if sp == nil {
		sp = &space{rings: make(ringSet)}
		d.spaces[ws] = sp
	}
	return sp
}

// deliverLocked queues a delivery: its effects, or its reconciliation;
// behind a pending reconciliation of the workspace it is held.
func (d *Dispatcher) deliverLocked(dl replica.Delivery) {
	sp := d.space(dl.Workspace)
	if sp.reconcile != nil {
		sp.held = append(sp.held, dl)
		return
	}
	if dl.Reconcile {
		sp.reconcile = &dl
		d.pending++
		d.startReconcileLocked(dl.Workspace, sp)
		return
	}
	sp.rings.observe(dl.Events)
	for i, ef := range dl.Effects {
		d.queueLocked(sp, job{ef: Effect{Effect: ef, Workspace: dl.Workspace, ID: dl.ID(i)}, trace: dl.Trace})
	}
}

// queueLocked queues one effect's job in its lane.
func (d *Dispatcher) queueLocked(sp *space, j job) {
	sp.rings.effect(j.ef)
	d.pending++
	d.pushLocked(keyOf(j.ef), j)
}

// startReconcileLocked queues the workspace's pending reconciliation once
// nothing of the workspace is queued or running.
func (d *Dispatcher) startReconcileLocked(ws replica.WorkspaceID, sp *space) {
	if sp.reconcile == nil || sp.reconcileQueued || sp.active > 0 {
		return
	}
	sp.reconcileQueued = true
	d.pushLocked(laneKey{ws: ws, kind: laneReconcile}, job{reconcile: sp.reconcile})
}

// finishReconcileLocked ends the workspace's reconciliation and queues
// what it held (which may hold again behind a later reconciliation).
func (d *Dispatcher) finishReconcileLocked(sp *space) {
	sp.reconcile, sp.reconcileQueued = nil, false
	held := sp.held
	sp.held = nil
	for _, dl := range held {
		d.deliverLocked(dl)
	}
}

func (d *Dispatcher) pushLocked(key laneKey, j job) {
	l := d.lanes[key]
	if l == nil {
		l = &lane{key: key}
		d.lanes[key] = l
		d.space(key.ws).active++
	}
	l.jobs = append(l.jobs, j)
	if !l.busy {
		l.busy = true
		d.ready = append(d.ready, l)
	}
}

// spawnLocked starts workers for the lanes waiting, up to d.max.
func (d *Dispatcher) spawnLocked() {
	for d.tel != nil && !d.closed && d.workers < d.max && d.workers-d.running < len(d.ready) {
		d.workers++
		d.wg.Add(1)
		go d.work()
	}
}

// work runs jobs until no lane waits.
func (d *Dispatcher) work() {
	defer d.wg.Done()
	d.mu.Lock()
	defer d.mu.Unlock()
	for !d.closed && d.tel != nil && len(d.ready) > 0 {
		l := d.ready[0]
		d.ready[0] = nil
		d.ready = d.ready[1:]
		j := l.jobs[0]
		l.jobs[0] = job{}
		l.jobs = l.jobs[1:]
		tel, doer := d.tel, d.doer
		d.running++
		d.mu.Unlock()
		if j.reconcile != nil {
			d.reconcile(tel, doer, *j.reconcile)
		} else {
			d.execute(tel, doer, j)
		}
		d.mu.Lock()
		d.running--
		d.pending--
		d.doneLocked(l, j)
		d.notifyIdleLocked()
	}
	d.workers--
}

// doneLocked puts a lane back in turn if it has more jobs, or retires it.
func (d *Dispatcher) doneLocked(l *lane, j job) {
	if len(l.jobs) > 0 {
		d.ready = append(d.ready, l)
		return
	}
	l.busy = false
	delete(d.lanes, l.key)
	sp := d.space(l.key.ws)
	sp.active--
	if d.closed {
		return
	}
	if j.reconcile != nil {
		d.finishReconcileLocked(sp)
	}
	d.startReconcileLocked(l.key.ws, sp)
	d.spawnLocked()
}
