package assign

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
)

// ErrClosed is returned by a [Live] after Close.
var ErrClosed = errors.New("assign: live engine is closed")

// LiveConfig configures a [Live].
type LiveConfig struct {
	// Clock tells the time and arms the deadline timer; nil means the real
	// clock (time.Now). Tests inject a mock, or run the real one under
	// testing/synctest. It is asked for the time at every command; a clock
	// stepped back is never followed backwards past the engine's time (see
	// [Live.Do]).
	Clock clock.Clock
	// Deliver receives what each command and each fired deadline produced,
	// in the engine's order, on one goroutine of the Live's own, never
	// under the Live's lock: it may issue commands and read the Live, but
	// must not call [Live.Close] or [Live.Sync], which wait for the
	// delivery goroutine and so would wait for themselves; a Deliver that
	// must end the Live hands Close to another goroutine. A Deliver that
	// blocks holds up later deliveries, not commands: the queue of
	// undelivered Ready values is not bounded, so commands never wait for
	// the host (which could deadlock a Deliver that issues commands), and a
	// host that must bound memory watches [Live.Pending] and stops issuing
	// commands, or bounds Deliver itself.
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
// A command pays for one reading of the clock, the lock and a copy of its
// output into a queue (a slice under a mutex of its own) that the delivery
// goroutine empties a run at a time.
type Live struct {
	// The commands' side, under mu.
	mu     sync.Mutex
	eng    *Engine
	clk    clock.Clock
	timer  *clock.Timer
	armed  time.Time
	closed bool

	q       readyQueue
	done    chan struct{} // closed when the delivery goroutine stops
	deliver func(Ready)
	onPanic func(any)
}

// NewLive starts running eng. The Live owns eng from now on: use it only
// through [Live.Do] and [Live.View].
func NewLive(eng *Engine, cfg LiveConfig) *Live {
	clk := cfg.Clock
	if clk == nil {
		clk = clock.New()
	}
	l := &Live{eng: eng, clk: clk, deliver: cfg.Deliver, onPanic: cfg.OnPanic, done: make(chan struct{})}
	l.q.init()
	go l.deliverLoop()
	l.mu.Lock()
	l.settleAndUnlock(l.clk.Now())
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
// bounds the wait. It must not be called from Deliver, which would wait
// for itself.
func (l *Live) Sync() { _ = l.SyncContext(context.Background()) }

// SyncContext is [Live.Sync] bounded by ctx: it returns ctx's error if ctx
// ends first (a Deliver blocked on a slow host). Like Sync, it must not be
// called from Deliver.
func (l *Live) SyncContext(ctx context.Context) error {
	q := &l.q
	q.mu.Lock()
	target := q.pushed
	for q.delivered < target {
		if q.progress == nil {
			q.progress = make(chan struct{})
		}
		ch := q.progress
		q.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		q.mu.Lock()
	}
	q.mu.Unlock()
	return nil
}

// Pending returns the number of Ready values queued and not yet handed to
// Deliver. It grows while Deliver is slower than the commands. It takes
// only the queue's lock, which is never held while Deliver runs, so
// Deliver may call it.
func (l *Live) Pending() int {
	l.q.mu.Lock()
	defer l.q.mu.Unlock()
	return int(l.q.pushed - l.q.handed)
}

// Close stops the timer, delivers what is queued and stops the delivery
// goroutine, waiting for it to finish. Later commands return ErrClosed.
// Close is idempotent. It must not be called from Deliver: it would wait
// for the goroutine it runs on.
func (l *Live) Close() {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		if l.timer != nil {
			l.timer.Stop()
		}
		l.q.close()
	}
	l.mu.Unlock()
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
// for the next deadline and releases mu, even if it panics; read is the
// clock's reading for the command. The timer is re-armed only when the
// next deadline comes before the armed one (or none is armed): a timer
// armed for an earlier time than the next deadline fires early, finds
// nothing due and arms itself again.
func (l *Live) settleAndUnlock(read time.Time) {
	defer l.mu.Unlock()
	if r := l.eng.Ready(); !r.Empty() {
		l.q.push(r)
	}
	if next, ok := l.eng.NextDeadline(); ok && (l.armed.IsZero() || next.Before(l.armed)) {
		l.arm(next, read)
	}
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

// deliverLoop runs on the delivery goroutine: it takes the queued Ready
// values a run at a time and delivers them in order, until Close.
func (l *Live) deliverLoop() {
	defer close(l.done)
	var out batch
	for l.q.take(&out) {
		for i, r := range out.readies {
			l.deliverOne(r)
			l.q.deliveredOne(i+1 < len(out.readies))
		}
		out.reset()
	}
}

// deliverOne hands r to Deliver, recovering a panic in it for OnPanic.
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
