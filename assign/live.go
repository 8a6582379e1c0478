package assign

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/phonebalance/phonebalance/eventlog"
)

// ErrClosed is returned by a [Live] after Close.
var ErrClosed = errors.New("assign: live engine is closed")

// ErrSyncInDeliver is returned by [Live.SyncContext] called from Deliver,
// which would wait for itself.
var ErrSyncInDeliver = errors.New("assign: Sync called from Deliver")

// LiveConfig configures a [Live].
type LiveConfig struct {
	// Clock tells the time and arms the deadline timer; nil means the real
	// clock. Tests inject a mock, or run the real one under
	// testing/synctest.
	Clock clock.Clock
	// Deliver receives what each command and each fired deadline produced,
	// in the engine's order, on one goroutine of the Live's own, never
	// under the Live's lock: it may call back into the Live, Close
	// included. A Deliver that blocks holds up later deliveries, not
	// commands: the queue of undelivered Ready values is not bounded, so
	// commands never wait for the host (which could deadlock a Deliver that
	// issues commands), and a host that must bound memory watches
	// [Live.Pending] and stops issuing commands, or bounds Deliver itself.
	//
	// The Ready's slices are the Live's and are reused once Deliver
	// returns: copy what must outlive the call.
	Deliver func(Ready)
	// OnPanic, if set, receives the value of a panic in Deliver; the
	// delivery goroutine recovers and goes on with the next Ready. The
	// engine is never touched by Deliver, so it cannot be corrupted by one.
	OnPanic func(v any)
}

// Live runs an [Engine] on a clock: safe for concurrent use, it applies
// each command at the clock's time under a lock, keeps a single timer
// armed for the engine's next deadline, and hands every [Ready] to
// LiveConfig.Deliver in order. Close it to stop its timer and goroutine.
//
// A command or timer that panics still has its output queued and the
// timer re-armed before the panic goes on to the caller, so no deadline is
// lost; the engine may however be left mid-change by the panic.
type Live struct {
	mu     sync.Mutex
	eng    *Engine
	clk    clock.Clock
	timer  *clock.Timer
	armed  time.Time
	closed bool

	qmu       sync.Mutex
	qcond     *sync.Cond   // wakes the delivery goroutine: a Ready queued, or Close
	in, out   batch        // queued Ready values; the batch being delivered
	outLeft   atomic.Int64 // out's Ready values not yet handed to Deliver
	syncers   atomic.Int32 // Sync calls waiting: report each delivery, not each batch
	qclosed   bool
	idle      bool          // the delivery goroutine waits on qcond
	enqueued  uint64        // Ready values queued so far
	delivered uint64        // Ready values delivered so far: reported per batch, or per Ready while a Sync waits
	progress  chan struct{} // closed at the next delivery; nil while nobody waits
	deliverG  atomic.Uint64 // the delivery goroutine's ID
	done      chan struct{}
	deliver   func(Ready)
	onPanic   func(any)
}

// batch holds Ready values back to back: their effects and events in two
// arenas, and where each Ready's start and end. The Live keeps two, one
// filled by the commands and one emptied by the delivery goroutine, and
// swaps them, so that once they have grown to the largest backlog no
// command allocates.
type batch struct {
	effects []Effect
	events  []eventlog.Event
	spans   []span
}

type span struct{ effects, events int } // where a Ready ends in the arenas

// ready returns the batch's i-th Ready, capped so that an append to its
// slices cannot overwrite the next.
func (b *batch) ready(i int) Ready {
	var from span
	if i > 0 {
		from = b.spans[i-1]
	}
	to := b.spans[i]
	return Ready{Effects: b.effects[from.effects:to.effects:to.effects],
		Events: b.events[from.events:to.events:to.events]}
}

func (b *batch) reset() {
	clear(b.effects) // drop the strings they refer to
	clear(b.events)
	b.effects, b.events, b.spans = b.effects[:0], b.events[:0], b.spans[:0]
}

// NewLive starts running eng. The Live owns eng from now on: use it only
// through [Live.Do] and [Live.View].
func NewLive(eng *Engine, cfg LiveConfig) *Live {
	clk := cfg.Clock
	if clk == nil {
		clk = clock.New()
	}
	l := &Live{eng: eng, clk: clk, deliver: cfg.Deliver, onPanic: cfg.OnPanic, done: make(chan struct{})}
	l.qcond = sync.NewCond(&l.qmu)
	started := make(chan struct{})
	go l.deliverLoop(started)
	<-started
	l.mu.Lock()
	l.settle(l.clk.Now())
	l.mu.Unlock()
	return l
}

// Do runs one command at the clock's current time, for example
//
//	err := live.Do(func(e *assign.Engine, now time.Time) error {
//		return e.Answer(now, call, teammate)
//	})
//
// The function must only call the engine it is given, with the time it is
// given. If the clock reads earlier than the engine (a wall clock stepped
// back), the engine's time is used instead. If cmd panics, what the engine
// produced is still queued and the timer re-armed, then the panic goes on.
func (l *Live) Do(cmd func(e *Engine, now time.Time) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	now, read := l.nowLocked()
	defer l.settle(read)
	return cmd(l.eng, now)
}

// View runs read-only code under the lock (Teammate, Call, Explain, …).
func (l *Live) View(read func(e *Engine)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	read(l.eng)
}

// Sync waits until everything the commands and deadlines before it
// produced has been handed to Deliver and Deliver has returned, so a host
// that keeps stores fed by Deliver (a timeline, a dashboard) can read its
// own writes. It waits as long as Deliver takes; [Live.SyncContext]
// bounds the wait. Called from Deliver it returns at once, since waiting
// would wait for itself.
func (l *Live) Sync() { _ = l.SyncContext(context.Background()) }

// SyncContext is [Live.Sync] bounded by ctx: it returns ctx's error if ctx
// ends first (a Deliver blocked on a slow host), and ErrSyncInDeliver if
// called from Deliver.
func (l *Live) SyncContext(ctx context.Context) error {
	if goid() == l.deliverG.Load() {
		return ErrSyncInDeliver
	}
	l.syncers.Add(1)
	defer l.syncers.Add(-1)
	l.qmu.Lock()
	target := l.enqueued
	for l.delivered < target {
		if l.progress == nil {
			l.progress = make(chan struct{})
		}
		ch := l.progress
		l.qmu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		l.qmu.Lock()
	}
	l.qmu.Unlock()
	return nil
}

// Pending returns the number of Ready values queued and not yet handed to
// Deliver. It grows while Deliver is slower than the commands.
func (l *Live) Pending() int {
	l.qmu.Lock()
	defer l.qmu.Unlock()
	return len(l.in.spans) + int(l.outLeft.Load())
}

// Close stops the timer, delivers what is queued and stops the delivery
// goroutine, waiting for it to finish. Later commands return ErrClosed.
// Close is idempotent. Called from Deliver, it does not wait (that would
// wait for itself): the delivery goroutine delivers what is queued and
// stops once Deliver returns.
func (l *Live) Close() {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		if l.timer != nil {
			l.timer.Stop()
		}
		l.qmu.Lock()
		l.qclosed = true
		l.qcond.Broadcast()
		l.qmu.Unlock()
	}
	l.mu.Unlock()
	if goid() == l.deliverG.Load() {
		return
	}
	<-l.done
}

// nowLocked returns the time for a command, never before the engine's,
// and the clock's reading it came from.
func (l *Live) nowLocked() (now, read time.Time) {
	read = l.clk.Now()
	now = read
	if now.Before(l.eng.Now()) {
		now = l.eng.Now()
	}
	return now, read
}

// onTimer fires due deadlines.
func (l *Live) onTimer() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.armed = time.Time{}
	now, read := l.nowLocked() // never goes backwards
	defer l.settle(read)
	_ = l.eng.Advance(now)
}

// settle queues a copy of the engine's output, in the recycled arenas, and
// arms the timer for the next deadline; read is the clock's reading for
// the command. The timer is re-armed only when the next deadline comes
// before the armed one (or none is armed): a timer armed for an earlier
// time than the next deadline fires early, finds nothing due and arms
// itself again.
func (l *Live) settle(read time.Time) {
	if r := l.eng.Ready(); !r.Empty() {
		l.qmu.Lock()
		b := &l.in
		b.effects = append(b.effects, r.Effects...)
		b.events = append(b.events, r.Events...)
		b.spans = append(b.spans, span{len(b.effects), len(b.events)})
		l.enqueued++
		wake := l.idle // only the delivery goroutine waits, and only on an empty queue
		l.idle = false
		l.qmu.Unlock()
		if wake {
			l.qcond.Signal() // after Unlock, so that it wakes to a free lock
		}
	}
	next, ok := l.eng.NextDeadline()
	if !ok || !l.armed.IsZero() && !next.Before(l.armed) {
		return
	}
	l.armed = next
	d := max(next.Sub(read), 0)
	if l.timer == nil {
		l.timer = l.clk.AfterFunc(d, l.onTimer)
	} else {
		l.timer.Reset(d)
	}
}

func (l *Live) deliverLoop(started chan<- struct{}) {
	defer close(l.done)
	l.deliverG.Store(goid())
	close(started)
	for {
		l.qmu.Lock()
		for len(l.in.spans) == 0 && !l.qclosed {
			l.idle = true
			l.qcond.Wait()
		}
		l.idle = false
		if len(l.in.spans) == 0 {
			l.qmu.Unlock()
			return
		}
		// Take the whole batch; out was emptied after its last delivery
		// and only this goroutine touches it.
		l.in, l.out = l.out, l.in
		n, base := len(l.out.spans), l.delivered
		l.outLeft.Store(int64(n))
		l.qmu.Unlock()
		for i := range n {
			l.outLeft.Add(-1)
			l.deliverOne(l.out.ready(i))
			if l.syncers.Load() > 0 {
				l.qmu.Lock()
				l.setDelivered(base + uint64(i) + 1)
				l.qmu.Unlock()
			}
		}
		l.out.reset()
		l.qmu.Lock()
		l.setDelivered(base + uint64(n))
		l.qmu.Unlock()
	}
}

// setDelivered records deliveries up to n and wakes the Sync calls
// waiting. A Sync that starts waiting meanwhile is woken at the latest at
// the end of the batch, which always reports.
func (l *Live) setDelivered(n uint64) {
	l.delivered = n
	if l.progress != nil {
		close(l.progress)
		l.progress = nil
	}
}

func (l *Live) deliverOne(r Ready) {
	if l.deliver == nil {
		return
	}
	defer func() {
		if v := recover(); v != nil && l.onPanic != nil {
			l.onPanic(v)
		}
	}()
	l.deliver(r)
}

// goid returns the calling goroutine's ID, read from its stack header
// ("goroutine 12 [running]:"). Live uses it only to recognise its own
// delivery goroutine in Close and SyncContext.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}
