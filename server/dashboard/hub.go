package dashboard

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// errTooManySubscribers refuses a stream beyond Config.MaxSubscribers.
var errTooManySubscribers = errors.New("dashboard: too many live streams")

type subscriber struct {
	wake chan struct{} // capacity 1: "a new frame"
}

// hub renders the Source's state into frames while someone watches, and
// wakes the streams. One goroutine renders; each stream's own goroutine
// (its HTTP handler) reads the latest frame and works out what changed
// for its own view, so a slow stream never holds the hub or the others
// back, and the hub keeps no history: one frame, and none at all while
// nobody watches.
type hub struct {
	cfg     Config
	notify  chan struct{}
	index   atomic.Uint64
	renders atomic.Int64 // Source.State calls, for tests
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{}

	mu   sync.Mutex
	seq  uint64
	cur  *frame // nil while nobody watches
	subs map[*subscriber]struct{}
}

func newHub(cfg Config) *hub {
	ctx, cancel := context.WithCancel(context.Background())
	h := &hub{
		cfg: cfg, notify: make(chan struct{}, 1),
		ctx: ctx, cancel: cancel, done: make(chan struct{}),
		subs: make(map[*subscriber]struct{}),
	}
	go h.run()
	return h
}

// Notify records that the log applied entry index and schedules a render
// if someone watches. It never blocks.
func (h *hub) Notify(index uint64) {
	for {
		old := h.index.Load()
		if index <= old || h.index.CompareAndSwap(old, index) {
			break
		}
	}
	h.poke()
}

func (h *hub) poke() {
	select {
	case h.notify <- struct{}{}:
	default:
	}
}

func (h *hub) close() {
	h.cancel()
	<-h.done
}

// run renders after each poke, at most once per Config.Coalesce, and every
// Config.Refresh while someone watches; with nobody watching it renders
// nothing.
func (h *hub) run() {
	defer close(h.done)
	var refresh <-chan time.Time
	if h.cfg.Refresh > 0 {
		t := time.NewTicker(h.cfg.Refresh)
		defer t.Stop()
		refresh = t.C
	}
	pause := time.NewTimer(0)
	defer pause.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-h.notify:
		case <-refresh:
		}
		if h.watchers() == 0 {
			continue
		}
		h.render()
		pause.Reset(h.cfg.Coalesce)
		select {
		case <-h.ctx.Done():
			return
		case <-pause.C:
		}
	}
}

func (h *hub) watchers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// current returns the latest frame, nil before the first render for the
// streams open now. Frames are never changed: read it without a lock.
func (h *hub) current() *frame {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cur
}

// render asks the Source for the state and publishes it as a new frame if
// anything changed.
func (h *hub) render() {
	index := h.index.Load()
	h.renders.Add(1)
	ctx, cancel := context.WithTimeout(h.ctx, h.cfg.SourceTimeout)
	st, err := h.cfg.Source.State(ctx)
	cancel()
	if err != nil {
		if h.ctx.Err() == nil {
			h.cfg.Logger.Error("dashboard: reading the state", "err", err)
		}
		return
	}
	f, changed, err := encodeFrame(st, index, h.current())
	if err != nil {
		h.cfg.Logger.Error("dashboard: encoding the state", "err", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) == 0 { // the last stream left during the render
		h.cur = nil
		return
	}
	if !changed && h.cur != nil {
		return
	}
	h.seq++
	f.seq = h.seq
	h.cur = f
	for s := range h.subs {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

func (h *hub) subscribe() (*subscriber, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) >= h.cfg.MaxSubscribers {
		return nil, errTooManySubscribers
	}
	s := &subscriber{wake: make(chan struct{}, 1)}
	h.subs[s] = struct{}{}
	h.poke() // render afresh for the newcomer
	return s, nil
}

// unsubscribe removes s; when the last stream leaves, the hub drops its
// frame.
func (h *hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, s)
	if len(h.subs) == 0 {
		h.cur = nil
	}
}
