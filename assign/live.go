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
	//
	// With nil, a command reads only the monotonic clock: the time is the
	// last reading of the wall clock (time.Now) plus the monotonic time
	// elapsed since, and the wall clock is read again once that reading is
	// a second old. A step or slew of the wall clock (or a suspend, which
	// stops the monotonic clock) is thus followed within a second, never
	// backwards past the engine's time (see [Live.Do]). An injected clock,
	// clock.New() included, is asked for the time at every command.
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
//
// A command pays for one reading of the clock (of the monotonic clock
// only, on the real clock), the lock and a copy of its output into a queue
// that the delivery goroutine empties without taking the lock; it wakes
// that goroutine only if it sleeps, having caught up.
type Live struct {
	// The commands' side, under mu.
	mu     sync.Mutex
	eng    *Engine
	clk    clock.Clock
	mono   bool      // the real clock: the time is read from real
	real   monoClock // under mu
	timer  *clock.Timer
	armed  time.Time
	closed bool

	q        readyQueue
	sleeping atomic.Bool   // the delivery goroutine waits, or is about to, on wake
	wake     chan struct{} // one token wakes the delivery goroutine
	qclosed  atomic.Bool   // set by Close, after the last push
	syncers  atomic.Int32  // Sync calls waiting: report each delivery
	smu      sync.Mutex
	progress chan struct{} // under smu: closed at the next delivery; nil while nobody waits
	deliverG atomic.Uint64 // the delivery goroutine's ID
	done     chan struct{}
	deliver  func(Ready)
	onPanic  func(any)
}

// NewLive starts running eng. The Live owns eng from now on: use it only
// through [Live.Do] and [Live.View].
func NewLive(eng *Engine, cfg LiveConfig) *Live {
	clk, mono := cfg.Clock, cfg.Clock == nil
	if mono {
		clk = clock.New() // for the timer
	}
	l := &Live{eng: eng, clk: clk, mono: mono, deliver: cfg.Deliver, onPanic: cfg.OnPanic,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	l.q.init()
	started := make(chan struct{})
	go l.deliverLoop(started)
	<-started
	l.mu.Lock()
	l.settleAndUnlock(l.readLocked())
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
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	now, read := l.nowLocked()
	defer l.settleAndUnlock(read)
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
	target := l.q.tail.Load()
	if l.q.delivered.Load() >= target {
		return nil
	}
	l.syncers.Add(1) // before reading delivered again: see Live.delivered
	defer l.syncers.Add(-1)
	l.smu.Lock()
	for l.q.delivered.Load() < target {
		if l.progress == nil {
			l.progress = make(chan struct{})
		}
		ch := l.progress
		l.smu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		l.smu.Lock()
	}
	l.smu.Unlock()
	return nil
}

// Pending returns the number of Ready values queued and not yet handed to
// Deliver. It grows while Deliver is slower than the commands. It takes
// no lock and never waits, so Deliver may call it.
func (l *Live) Pending() int {
	handed := l.q.handed.Load() // first: it never passes tail
	return int(l.q.tail.Load() - handed)
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
		l.qclosed.Store(true)
		l.wakeDeliverer()
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
	read = l.readLocked()
	now = read
	if now.Before(l.eng.Now()) {
		now = l.eng.Now()
	}
	return now, read
}

// readLocked reads the clock: the real one through l.real, an injected
// one by asking it.
func (l *Live) readLocked() time.Time {
	if l.mono {
		return l.real.now()
	}
	return l.clk.Now()
}

// onTimer fires due deadlines.
func (l *Live) onTimer() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.armed = time.Time{}
	now, read := l.nowLocked() // never goes backwards
	defer l.settleAndUnlock(read)
	_ = l.eng.Advance(now)
}

// settleAndUnlock queues a copy of the engine's output, arms the timer
// for the next deadline and releases mu; read is the clock's reading for
// the command. The timer is re-armed only when the next deadline comes
// before the armed one (or none is armed): a timer armed for an earlier
// time than the next deadline fires early, finds nothing due and arms
// itself again. The delivery goroutine is woken only if it sleeps, and
// after mu is released.
func (l *Live) settleAndUnlock(read time.Time) {
	// The push's store of the tail comes before this load, and the
	// delivery goroutine's store of sleeping before its load of the tail:
	// one of the two sees the other.
	if l.settle(read) && l.sleeping.Load() {
		l.wakeDeliverer()
	}
}

// settle is settleAndUnlock's part under mu, which it releases even if it
// panics; it reports whether it queued a Ready.
func (l *Live) settle(read time.Time) (queued bool) {
	defer l.mu.Unlock()
	if r := l.eng.Ready(); !r.Empty() {
		l.q.push(r)
		queued = true
	}
	if next, ok := l.eng.NextDeadline(); ok && (l.armed.IsZero() || next.Before(l.armed)) {
		l.arm(next, read)
	}
	return queued
}

// arm sets the timer to fire at next, by the clock's reading read.
func (l *Live) arm(next, read time.Time) {
	l.armed = next
	d := max(next.Sub(read), 0)
	if l.timer == nil {
		l.timer = l.clk.AfterFunc(d, l.onTimer)
	} else {
		l.timer.Reset(d)
	}
}

// wakeDeliverer wakes the delivery goroutine if it sleeps. A token left
// over from a wake that raced with the goroutine finding work on its own
// only makes it look once more.
func (l *Live) wakeDeliverer() {
	if l.sleeping.CompareAndSwap(true, false) {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
}

// deliverLoop runs on the delivery goroutine: it delivers what is
// published, and sleeps when it has caught up, until Close.
func (l *Live) deliverLoop(started chan<- struct{}) {
	defer close(l.done)
	l.deliverG.Store(goid())
	close(started)
	h := l.q.handed.Load()
	for {
		if t := l.q.tail.Load(); h < t {
			for h < t {
				h = l.deliverFrom(h, t)
			}
			continue
		}
		l.sleeping.Store(true)
		if l.q.tail.Load() != h { // pushed meanwhile: see settleAndUnlock
			l.sleeping.Store(false)
			continue
		}
		if l.qclosed.Load() {
			if l.q.tail.Load() == h { // Close came after the last push
				return
			}
			continue
		}
		<-l.wake
		l.sleeping.Store(false)
	}
}

// deliverFrom hands the Ready values from h up to t to Deliver and
// returns how far it got: t, or past a Ready whose Deliver panicked. One
// deferred recover serves the whole run, and the run's deliveries are
// recorded once at its end, or after each Ready while a Sync waits.
func (l *Live) deliverFrom(h, t uint64) (next uint64) {
	next = h
	defer func() {
		if next < t { // Deliver panicked
			v := recover()
			l.q.done()
			next++
			l.delivered(next)
			if v != nil && l.onPanic != nil {
				l.onPanic(v)
			}
		}
	}()
	for ; next < t; next++ {
		r := l.q.peek()
		l.q.handed.Store(next + 1)
		if l.deliver != nil {
			l.deliver(r)
		}
		l.q.done()
		if l.syncers.Load() > 0 {
			l.delivered(next + 1)
		}
	}
	l.delivered(next)
	return next
}

// delivered records that the Ready values up to n have been delivered
// and wakes the Sync calls waiting. The store comes before the load of
// syncers, and SyncContext's increment of syncers before its load of
// delivered: one of the two sees the other, and a Sync that the store of
// an earlier Ready missed is woken by this one.
func (l *Live) delivered(n uint64) {
	l.q.delivered.Store(n)
	if l.syncers.Load() > 0 {
		l.smu.Lock()
		if l.progress != nil {
			close(l.progress)
			l.progress = nil
		}
		l.smu.Unlock()
	}
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
