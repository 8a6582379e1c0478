package core

import (
	"context"
	"sync"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/eventstore"
)

// The stream of applied entries, from the replica's state machine to the
// consumers.
//
// The replica hands each applied command to onApply on raft's state
// machine goroutine, after the state machine has released its lock, in
// log order. onApply only queues it: one goroutine of the runtime (consume)
// takes the queue in order and feeds the consumers:
//
//   - the event store, which stores the entry's events and its raft
//     index in one transaction: its Applied index is how far the store,
//     and the metrics folded from it, have consumed the log, so after a
//     restart the replayed log entries at or below it are skipped;
//   - the metrics fold (the one metrics.Collector), with the events the
//     store took as new;
//   - the live views (the Hub), with the same events per entry.
//
// The queue is bounded (Config.StreamBuffer): when it is full, the state
// machine waits (backpressure) rather than drop a durable event; the Hub's
// subscribers may still miss batches (Batch.Gap). So the metrics, the
// store and the Hub may lag the state machine by the entries in the
// queue. Runtime.Do does not wait for them (a write costs one disk
// commit, the raft log's; the store's commit of its events is pipelined
// behind it); the readers wait instead: Runtime.Events, Dashboard,
// WithCollector and Advice first let the stream consume every entry
// applied before the call (caughtUp), so whoever reads after a Do
// returned reads that write. WaitApplied and CatchUp let a reader or a
// test wait with a context.
//
// A snapshot installed on this node (OnRestore) goes through the same
// queue: if the store's applied index is below the snapshot's, the events
// of the entries in between never reach this node: the store marks the gap
// durably (Runtime.Gaps serves it), one warning is logged, and the Hub's
// subscribers get a Batch with Gap set.

// DefaultStreamBuffer is the stream's queue length when
// Config.StreamBuffer is zero.
const DefaultStreamBuffer = 1024

// DefaultPruneEvery is how often the runtime prunes the event store when
// Config.PruneEvery is zero.
const DefaultPruneEvery = time.Hour

// maxStoreBatch bounds the entries stored in one transaction.
const maxStoreBatch = 256

// GapReasonSnapshot is the reason recorded for the events a snapshot
// install skipped.
const GapReasonSnapshot = "snapshot installed: these entries' events never reached this node"

// item is one element of the stream: an applied entry's events, or a
// snapshot restored at index.
type item struct {
	index   uint64
	ws      replica.WorkspaceID
	events  []eventlog.Event
	restore bool
}

// stream is the queue between the state machine and the consumers, and
// how far the consumers have got.
type stream struct {
	queue chan item
	done  chan struct{} // closed when consume returns

	mu       sync.Mutex
	queued   uint64        // highest index queued (guarded by mu)
	consumed uint64        // highest index consumed (guarded by mu)
	moved    chan struct{} // closed and replaced when consumed grows
}

func newStream(buffer int) *stream {
	if buffer <= 0 {
		buffer = DefaultStreamBuffer
	}
	return &stream{queue: make(chan item, buffer), done: make(chan struct{}), moved: make(chan struct{})}
}

// push queues it, waiting while the queue is full.
func (s *stream) push(it item) {
	s.mu.Lock()
	s.queued = max(s.queued, it.index)
	s.mu.Unlock()
	s.queue <- it
}

// advance records that the consumers have consumed up to index.
func (s *stream) advance(index uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if index <= s.consumed {
		return
	}
	s.consumed = index
	close(s.moved)
	s.moved = make(chan struct{})
}

// wait waits until the consumers reached index, ctx is done, or the
// stream stopped.
func (s *stream) wait(ctx context.Context, index uint64) error {
	for {
		s.mu.Lock()
		consumed, moved := s.consumed, s.moved
		s.mu.Unlock()
		if consumed >= index {
			return nil
		}
		select {
		case <-moved:
		case <-s.done:
			return replica.ErrClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// onApply queues what the replica applied, in log order. It runs on
// raft's state machine goroutine, outside the state machine's lock, and
// waits only while the queue is full.
func (r *Runtime) onApply(a replica.Applied) {
	it := item{index: a.Index, ws: a.Workspace, events: a.Ready.Events} // ours to keep
	if !a.Meta {
		r.space(a.Workspace).effects.add(a.Index, a.Ready.Effects)
	}
	r.stream.push(it)
}

// onRestore queues a snapshot restored at index, in log order.
func (r *Runtime) onRestore(index uint64) {
	r.spaces.restored(index)
	r.stream.push(item{index: index, restore: true})
}

// consume feeds the consumers from the queue until it is closed, and
// prunes the event store every PruneEvery.
func (r *Runtime) consume() {
	defer close(r.stream.done)
	tick := r.clock.Ticker(r.pruneEvery)
	defer tick.Stop()
	for {
		select {
		case it, ok := <-r.stream.queue:
			if !ok {
				return
			}
			batch := []item{it}
		drain:
			for len(batch) < maxStoreBatch {
				select {
				case it, ok := <-r.stream.queue:
					if !ok {
						break drain
					}
					batch = append(batch, it)
				default:
					break drain
				}
			}
			r.consumeBatch(batch)
		case <-tick.C:
			r.prune()
		}
	}
}

// consumeBatch stores the entries of batch (one transaction per run of
// entries between two restores), folds and publishes their new events,
// and handles the restores in their place.
func (r *Runtime) consumeBatch(batch []item) {
	var entries []eventstore.Entry
	var last uint64
	for _, it := range batch {
		last = max(last, it.index)
		if it.restore {
			r.storeEntries(entries)
			entries = nil
			r.restored(it.index)
			continue
		}
		entries = append(entries, eventstore.Entry{Index: it.index, Workspace: string(it.ws), Events: it.events})
	}
	r.storeEntries(entries)
	r.stream.advance(last)
}

// storeEntries stores the entries the store has not consumed yet (a
// replayed log repeats the ones it has), then folds and publishes their
// new events, entry by entry.
func (r *Runtime) storeEntries(entries []eventstore.Entry) {
	applied := r.store.Applied()
	i := 0
	for i < len(entries) && entries[i].Index <= applied {
		i++
	}
	entries = entries[i:]
	if len(entries) == 0 {
		return
	}
	fresh, err := r.store.Append(entries...)
	if err != nil {
		// Nothing was stored: the store stays at its applied index, and a
		// restart replays these entries from the raft log if it still has
		// them, or marks them as a gap if a snapshot covers them (see
		// restored). The live views and the metrics go on with the events.
		r.logger.Error("cannot store the events of applied entries", "from", entries[0].Index,
			"to", entries[len(entries)-1].Index, "err", err)
		fresh = entries
	}
	for _, e := range fresh {
		if len(e.Events) == 0 {
			continue
		}
		ws := replica.WorkspaceID(e.Workspace)
		r.fold(ws, e.Events)
		r.hub.Publish(Batch{Index: e.Index, Workspace: ws, Events: e.Events})
	}
}

// restored handles a snapshot restored at index: if the store has not
// consumed the entries up to it, their events are missing on this node,
// and the gap is recorded and told.
func (r *Runtime) restored(index uint64) {
	applied := r.store.Applied()
	if applied == 0 && r.store.LastSeq(eventstore.LegacyWorkspace) > 0 && index > 0 {
		// A store imported from events.jsonl, which recorded no index: the
		// old server wrote every event before raft could snapshot it, so
		// the store holds the snapshot's events; it adopts its index.
		if _, err := r.store.Append(eventstore.Entry{Index: index}); err != nil {
			r.logger.Error("cannot record the event store's applied index", "index", index, "err", err)
		}
		applied = index
	}
	if applied < index {
		r.logger.Warn("this node installed a snapshot past its event store: the events of the entries in between are missing here",
			"after", applied, "upto", index)
		if err := r.store.MarkGap(applied, index, GapReasonSnapshot); err != nil {
			r.logger.Error("cannot record the events' gap", "after", applied, "upto", index, "err", err)
		}
	}
	r.hub.Publish(Batch{Index: index, Gap: true})
}

// prune deletes the events older than the store's retention.
func (r *Runtime) prune() {
	n, err := r.store.Prune(r.clock.Now())
	if err != nil {
		r.logger.Error("cannot prune the event store", "err", err)
		return
	}
	if n > 0 {
		r.logger.Info("pruned old events", "count", n)
	}
}

// WaitApplied waits until the stream's consumers (the event store, the
// metrics, the live views) have consumed the applied command at log index
// index (a Batch's Index, say), or ctx is done. An index that is not a
// command's (a raft configuration entry) is reached with the next
// command. Safe for concurrent use; it returns replica.ErrClosed once the
// runtime is closed.
func (r *Runtime) WaitApplied(ctx context.Context, index uint64) error {
	return r.stream.wait(ctx, index)
}

// CatchUp waits until the stream's consumers have consumed every entry
// the state machine has applied so far, or ctx is done: after it, the
// metrics, the event store and the live views reflect at least this
// node's state machine at the call. Safe for concurrent use.
func (r *Runtime) CatchUp(ctx context.Context) error {
	r.stream.mu.Lock()
	queued := r.stream.queued
	r.stream.mu.Unlock()
	return r.stream.wait(ctx, queued)
}

// caughtUp is CatchUp without a deadline, for the readers of what the
// stream feeds: it waits at most for the batch the consumers have in
// hand and the entries queued before the call (a bounded queue, consumed
// at the disk's rate), and returns at once when the stream has stopped.
// It must not be called from the stream's goroutine, nor from raft's
// state machine goroutine (OnApply), which feed it.
func (r *Runtime) caughtUp() { _ = r.CatchUp(context.Background()) }

// Gaps returns the ranges of raft entries whose events this node does not
// hold, because it installed a snapshot past them (see
// eventstore.Gap); empty when the node holds every event since the store
// began. Like [Runtime.Events], it first waits for the stream to consume
// every entry (and snapshot install) applied before the call, so a gap
// the stream is about to mark is not missed. Safe for concurrent use.
func (r *Runtime) Gaps() []eventstore.Gap {
	r.caughtUp()
	return r.store.Gaps()
}
