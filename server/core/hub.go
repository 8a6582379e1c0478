package core

import (
	"sync"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/replica"
)

// Batch is what one applied log entry added to the event store: its
// events, in order, with the entry's raft log index and workspace.
type Batch struct {
	// Index is the raft log index of the command that produced Events.
	Index uint64
	// Workspace is the workspace the command was applied to; empty for a
	// snapshot installed (Gap set, every workspace's state replaced).
	Workspace replica.WorkspaceID
	// Events are new events (never seen by the subscriber before), in Seq
	// order. They are shared between subscribers: read them, do not
	// modify them.
	Events []eventlog.Event
	// Gap reports that batches were dropped before this one because the
	// subscriber was slow, or that the state was replaced by a snapshot
	// (then Events is empty): the subscriber should reload its state (the
	// dashboard, the store's recent events) instead of applying this batch
	// as a delta.
	Gap bool
}

// Hub fans applied events out to subscribers. Publish never blocks: a
// subscriber whose buffer is full misses the batch, and the next batch
// it receives says so (Batch.Gap). Safe for concurrent use.
type Hub struct {
	mu sync.Mutex
	// subs are the open subscriptions by workspace ("": those of every
	// workspace), so that a batch reaches its workspace's subscribers
	// without a look at every other workspace's.
	subs   map[replica.WorkspaceID]map[*Subscription]struct{}
	closed bool
}

// Subscription receives the batches published after it was made.
type Subscription struct {
	hub  *Hub
	ws   replica.WorkspaceID // "" for every workspace's
	ch   chan Batch
	gap  bool // guarded by hub.mu
	once sync.Once
}

// NewHub returns a hub with no subscribers.
func NewHub() *Hub { return &Hub{subs: map[replica.WorkspaceID]map[*Subscription]struct{}{}} }

// Subscribe returns a subscription to workspace ws's batches (ws empty:
// every workspace's), and to every snapshot installed, buffering up to
// buffer batches (at least 1). Close it when done. On a closed hub the
// subscription's channel is closed at once.
func (h *Hub) Subscribe(ws replica.WorkspaceID, buffer int) *Subscription {
	if buffer < 1 {
		buffer = 1
	}
	s := &Subscription{hub: h, ws: ws, ch: make(chan Batch, buffer)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(s.ch)
		s.once.Do(func() {})
		return s
	}
	set := h.subs[ws]
	if set == nil {
		set = map[*Subscription]struct{}{}
		h.subs[ws] = set
	}
	set[s] = struct{}{}
	return s
}

// Publish hands b to every subscriber of its workspace (all of them for
// a snapshot's batch, whose Workspace is empty) without blocking.
func (h *Hub) Publish(b Batch) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if b.Workspace == "" {
		for _, set := range h.subs {
			send(set, b)
		}
		return
	}
	send(h.subs[""], b)
	send(h.subs[b.Workspace], b)
}

// send hands b to each subscription of set without blocking. h.mu is held.
func send(set map[*Subscription]struct{}, b Batch) {
	for s := range set {
		out := b
		out.Gap = s.gap
		select {
		case s.ch <- out:
			s.gap = false
		default:
			s.gap = true
		}
	}
}

// Subscribers returns how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, set := range h.subs {
		n += len(set)
	}
	return n
}

// Close closes every subscription's channel; later subscriptions are
// closed at once. It is idempotent.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for ws, set := range h.subs {
		for s := range set {
			s.once.Do(func() { close(s.ch) })
		}
		delete(h.subs, ws)
	}
}

// C returns the channel batches arrive on; it is closed by Close (of the
// subscription or the hub).
func (s *Subscription) C() <-chan Batch { return s.ch }

// Close ends the subscription and closes its channel. It is idempotent
// and safe to call concurrently with Publish.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	if set := s.hub.subs[s.ws]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(s.hub.subs, s.ws)
		}
	}
	s.once.Do(func() { close(s.ch) })
}
