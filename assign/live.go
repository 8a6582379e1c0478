package assign

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"
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
	qcond     *sync.Cond // signals queue changes and deliveries
	queue     []Ready
	qclosed   bool
	enqueued  uint64        // Ready values queued so far
	delivered uint64        // Ready values handed to Deliver so far
	progress  chan struct{} // closed and replaced at each delivery
	deliverG  atomic.Uint64 // the delivery goroutine's ID
	done      chan struct{}
	deliver   func(Ready)
	onPanic   func(any)
}

// NewLive starts running eng. The Live owns eng from now on: use it only
// through [Live.Do] and [Live.View].
func NewLive(eng *Engine, cfg LiveConfig) *Live {
	clk := cfg.Clock
	if clk == nil {
		clk = clock.New()
	}
	l := &Live{eng: eng, clk: clk, deliver: cfg.Deliver, onPanic: cfg.OnPanic, done: make(chan struct{}),
		progress: make(chan struct{})}
	l.qcond = sync.NewCond(&l.qmu)
	started := make(chan struct{})
	go l.deliverLoop(started)
	<-started
	l.mu.Lock()
	l.settle()
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
	defer l.settle()
	return cmd(l.eng, l.nowLocked())
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
	l.qmu.Lock()
	target := l.enqueued
	for l.delivered < target {
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
	return len(l.queue)
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

func (l *Live) nowLocked() time.Time {
	now := l.clk.Now()
	if now.Before(l.eng.Now()) {
		now = l.eng.Now()
	}
	return now
}

// onTimer fires due deadlines.
func (l *Live) onTimer() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.armed = time.Time{}
	defer l.settle()
	_ = l.eng.Advance(l.nowLocked()) // nowLocked never goes backwards
}

// settle queues the engine's output and re-arms the timer.
func (l *Live) settle() {
	if r := l.eng.Ready(); !r.Empty() {
		cp := Ready{Effects: slices.Clone(r.Effects), Events: slices.Clone(r.Events)}
		l.qmu.Lock()
		l.queue = append(l.queue, cp)
		l.enqueued++
		l.qcond.Broadcast()
		l.qmu.Unlock()
	}
	next, ok := l.eng.NextDeadline()
	if !ok || next.Equal(l.armed) {
		return
	}
	l.armed = next
	d := max(next.Sub(l.clk.Now()), 0)
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
		for len(l.queue) == 0 && !l.qclosed {
			l.qcond.Wait()
		}
		if len(l.queue) == 0 {
			l.qmu.Unlock()
			return
		}
		r := l.queue[0]
		l.queue[0] = Ready{}
		l.queue = l.queue[1:]
		l.qmu.Unlock()
		l.deliverOne(r)
		l.qmu.Lock()
		l.delivered++
		close(l.progress)
		l.progress = make(chan struct{})
		l.qmu.Unlock()
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
