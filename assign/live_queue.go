package assign

import (
	"sync"

	"github.com/phonebalance/phonebalance/eventlog"
)

// readyQueue holds the Ready values between the commands, which push them
// under Live.mu, and the delivery goroutine, which takes them all at once
// and hands them to Deliver. Everything in it is under its own mutex,
// which neither side holds while the engine runs or Deliver runs.
//
// It keeps two batches: the commands append copies of their Ready values
// to in; the delivery goroutine swaps in for its emptied out and delivers
// from out. Both keep the capacity the largest backlog needed, so in
// steady state nothing allocates.
type readyQueue struct {
	mu        sync.Mutex
	wake      sync.Cond // on mu: signalled when a Ready is pushed or the queue closes
	in        batch     // pushed, not yet taken by the delivery goroutine
	pushed    uint64    // Ready values pushed so far
	handed    uint64    // Ready values handed to Deliver so far
	delivered uint64    // Ready values whose Deliver has returned
	closed    bool      // no more pushes: deliver what is left and stop
	progress  chan struct{}
	// progress is closed at the next delivery; nil while no Sync waits.
}

// batch is a run of Ready values whose slices point into its own arenas.
type batch struct {
	readies []Ready
	effects []Effect
	events  []eventlog.Event
}

func (q *readyQueue) init() { q.wake.L = &q.mu }

// push copies r into the queue. An arena that grows moves to a new array:
// the Ready values already queued keep the old one, which is no longer
// written.
func (q *readyQueue) push(r Ready) {
	q.mu.Lock()
	b := &q.in
	ne, nv := len(b.effects), len(b.events)
	b.effects = append(b.effects, r.Effects...)
	b.events = append(b.events, r.Events...)
	b.readies = append(b.readies, Ready{Effects: b.effects[ne:len(b.effects):len(b.effects)],
		Events: b.events[nv:len(b.events):len(b.events)]})
	q.pushed++
	q.mu.Unlock()
	q.wake.Signal()
}

// close lets the delivery goroutine stop once it has delivered what is
// queued.
func (q *readyQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.wake.Signal()
}

// take waits until Ready values are queued and swaps them for out, which
// must be empty; it reports false once the queue is closed and empty.
func (q *readyQueue) take(out *batch) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.in.readies) == 0 && !q.closed {
		q.wake.Wait()
	}
	if len(q.in.readies) == 0 {
		return false
	}
	q.in, *out = *out, q.in
	q.handed++ // the first of them
	return true
}

// deliveredOne records that Deliver returned for one Ready, and that the
// next, if more is a run taken with it, is handed to Deliver; it wakes the
// Sync calls waiting.
func (q *readyQueue) deliveredOne(more bool) {
	q.mu.Lock()
	q.delivered++
	if more {
		q.handed++
	}
	if q.progress != nil {
		close(q.progress)
		q.progress = nil
	}
	q.mu.Unlock()
}

// reset empties b, keeping its capacity, and drops the strings its
// arenas refer to.
func (b *batch) reset() {
	clear(b.readies)
	clear(b.effects)
	clear(b.events)
	b.readies, b.effects, b.events = b.readies[:0], b.effects[:0], b.events[:0]
}
