// Package core is what the server runs around the replicated engine: one
// replica.Node holding the workspace, a durable event store fed by every
// applied command, the metrics.Collector behind the dashboard and the
// Prometheus exporter, a fan-out of applied events for live views (SSE),
// and the telephony dispatcher that carries out effects on the leader.
//
// Every node of a cluster keeps its own event store and metrics, fed by
// one ordered stream of applied entries (see stream.go): the replica's
// state machine applies each command under its lock, releases it, and
// queues the entry; one goroutine of the runtime stores its events with
// its raft index, folds them into the metrics and publishes them to the
// live views. Only the leader delivers effects.
//
// What other parts of the server use, all on a [*Runtime]:
//
//   - Node() and Workspace(): the replica node and the workspace ID, to
//     submit commands (Node().Do(ctx, Workspace(), cmd), or Do(ctx, cmd));
//     on a follower they fail with a *replica.NotLeaderError.
//   - View(read): this node's engine, for calls, teammates, Explain;
//     never waits for the event store or the metrics.
//   - Dashboard(now): the live metrics.Dashboard, read under the
//     collector's lock; WithCollector(fn) for Report and ChannelAt.
//   - Events(): the event store (Timeline, Recent); Gaps(): the ranges of
//     entries whose events this node lacks (it installed a snapshot).
//   - WaitApplied(ctx, index) and CatchUp(ctx): wait for the stream's
//     consumers, which may lag the state machine by a few entries (Do
//     does not wait for them; Events, Dashboard, WithCollector and
//     Advice catch up before they read).
//   - Subscribe(buffer): the events of each applied entry with its raft
//     index, as they are stored; never blocking the log (a slow
//     subscriber misses batches and sees Batch.Gap on the next one).
//   - SetTelephony(t): the telephony side, which may be built on the open
//     node; deliveries wait for it when Config.Telephony is nil.
//   - Advice(now): the staffing advice per team (arrival rate and mean
//     handle time over a sliding window, and the teammates a service-level
//     target needs), from the collector's staffing loads; also exported on
//     /metrics.
//   - Exporter(): the Prometheus collector, which mirrors the metrics
//     collector at scrape time (no fold of its own), with every team's
//     series from the team's creation.
package core

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/hashicorp/raft"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/advice"
	"github.com/phonebalance/phonebalance/server/eventstore"
	"github.com/phonebalance/phonebalance/server/promexport"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// Workspace is the one workspace the server runs.
const Workspace replica.WorkspaceID = "default"

// Config configures a [Runtime].
type Config struct {
	// Dir is the data directory (raft log, snapshots, events.db).
	// Required unless InMemory.
	Dir string
	// InMemory keeps everything in memory (tests).
	InMemory bool
	// NodeID, RaftAddr, Advertise and Bootstrap are the replica's cluster
	// settings (see replica.Config); all empty for one durable node.
	NodeID, RaftAddr, Advertise string
	Bootstrap                   bool
	// RaftTLS wraps raft's transport in (mutual) TLS: replica.Config.TLS,
	// such as replica.MutualTLS makes. Nil: plain TCP.
	RaftTLS *tls.Config
	// Engine is the workspace's phone settings.
	Engine assign.Config
	// Telephony carries out effects on the leader. Nil: deliveries wait
	// until [Runtime.SetTelephony] (so a Telephony built on the open node
	// misses nothing).
	Telephony telephony.Telephony
	// TelephonyTimeout bounds each Telephony call; zero means 10 s.
	TelephonyTimeout time.Duration
	// MemoryEvents bounds the events kept in memory; zero means
	// eventstore.DefaultMemory.
	MemoryEvents int
	// EventRetention is how long stored events are kept (by their time);
	// zero keeps them for ever. The runtime prunes the store at Open and
	// then every PruneEvery (zero: DefaultPruneEvery) on its clock.
	EventRetention time.Duration
	PruneEvery     time.Duration
	// StreamBuffer is how many applied entries may wait for the
	// consumers (event store, metrics, live views) before the state
	// machine waits for them; zero means DefaultStreamBuffer.
	StreamBuffer int
	// Clock is the leader's clock; nil means the real one.
	Clock clock.Clock
	// Logger receives diagnostics; nil means slog.Default().
	Logger *slog.Logger
	// TuneRaft adjusts raft's timing (tests).
	TuneRaft func(*raft.Config)
	// Advice configures the staffing advice (window, service-level
	// targets); the zero value means advice's defaults (30 min, 80 %
	// within 20 s).
	Advice advice.Config
}

// Runtime is one server node: the replica node and what is derived from
// its log. It is safe for concurrent use.
type Runtime struct {
	node       *replica.Node
	store      *eventstore.Store
	stream     *stream
	pruneEvery time.Duration
	hub        *Hub
	disp       *telephony.Dispatcher
	exp        *promexport.Exporter
	clock      clock.Clock
	logger     *slog.Logger
	engine     assign.Config // Config.Engine
	effects    *EffectLog    // the effects stream's log (effects.go)

	// mu guards the collector, the one fold of the stream (metrics,
	// Prometheus counters, staffing loads), folded by the stream's
	// goroutine and read by the views.
	mu  sync.Mutex
	col *metrics.Collector
	// tracker holds the staffing targets and turns the collector's
	// loads into advice; it folds nothing.
	tracker *advice.Tracker

	closeOnce sync.Once
	closeErr  error
}

// Open opens the event store (pruning it), folds it into the metrics,
// starts the stream's goroutine, then opens the replica node, which
// replays its log into the stream: the entries at or below the store's
// applied index are skipped.
func Open(cfg Config) (*Runtime, error) {
	r := &Runtime{clock: cfg.Clock, logger: cfg.Logger, hub: NewHub(), engine: cfg.Engine, effects: newEffectLog(),
		stream: newStream(cfg.StreamBuffer), pruneEvery: cfg.PruneEvery}
	if r.clock == nil {
		r.clock = clock.New()
	}
	if r.logger == nil {
		r.logger = slog.Default()
	}
	if r.pruneEvery <= 0 {
		r.pruneEvery = DefaultPruneEvery
	}
	dir := cfg.Dir
	if cfg.InMemory {
		dir = ""
	}
	var err error
	if r.store, err = eventstore.Open(eventstore.Config{Dir: dir, Memory: cfg.MemoryEvents,
		Retention: cfg.EventRetention}); err != nil {
		return nil, err
	}
	if r.tracker, err = advice.New(cfg.Advice); err != nil {
		r.store.Close()
		return nil, err
	}
	r.exp = promexport.New(promexport.Config{Collector: r.WithCollector, Teams: r.teams, Advice: func() []advice.TeamAdvice {
		now := r.clock.Now()
		available := advice.AvailableByTeam(r.Dashboard(now))
		for _, id := range r.teams() { // every team has advice, from its creation
			if _, ok := available[id]; !ok {
				available[id] = 0
			}
		}
		return r.Advice(now, available)
	}})
	r.prune()
	if err := r.rebuild(); err != nil {
		r.store.Close()
		return nil, err
	}
	go r.consume()
	r.disp = telephony.NewDispatcher(telephony.DispatcherConfig{Telephony: cfg.Telephony,
		Timeout: cfg.TelephonyTimeout, Logger: r.logger})
	r.node, err = replica.Open(replica.Config{
		Dir: cfg.Dir, InMemory: cfg.InMemory, NodeID: cfg.NodeID, RaftAddr: cfg.RaftAddr,
		Advertise: cfg.Advertise, Bootstrap: cfg.Bootstrap, TLS: cfg.RaftTLS, Engine: cfg.Engine, Clock: cfg.Clock,
		Logger: r.logger, OnApply: r.onApply, OnRestore: r.onRestore, Deliver: r.disp.Deliver,
		TuneRaft: cfg.TuneRaft,
	})
	if err != nil {
		r.disp.Close()
		r.stopStream()
		r.store.Close()
		return nil, err
	}
	r.disp.SetDoer(r.node)
	return r, nil
}

// rebuild folds the whole event store into a new collector (at Open,
// before the stream starts).
func (r *Runtime) rebuild() error {
	mcfg := metrics.DefaultConfig()
	mcfg.StaffingWindow = r.tracker.Window()
	col, err := metrics.New(mcfg)
	if err != nil {
		return err
	}
	rejected := 0
	err = r.store.Replay(func(ev eventlog.Event) error {
		if col.Observe(ev) != nil {
			rejected++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("core: reading the event store: %w", err)
	}
	if rejected > 0 {
		r.logger.Warn("metrics refused stored events", "count", rejected)
	}
	r.mu.Lock()
	r.col = col
	r.mu.Unlock()
	return nil
}

// fold folds new events into the metrics, in order.
func (r *Runtime) fold(events []eventlog.Event) {
	if len(events) == 0 {
		return
	}
	rejected := 0
	var first error
	r.mu.Lock()
	for _, ev := range events {
		if err := r.col.Observe(ev); err != nil {
			rejected++
			first = cmp.Or(first, err)
		}
	}
	r.mu.Unlock()
	if rejected > 0 {
		r.logger.Warn("metrics refused events (after a gap, those of calls it did not see start)", "count", rejected, "first", first)
	}
}

// stopStream closes the stream's queue and waits for its goroutine; the
// state machine must be stopped.
func (r *Runtime) stopStream() {
	close(r.stream.queue)
	<-r.stream.done
}

// Node returns the replica node. Submit commands with Node().Do(ctx,
// Workspace, cmd) (or [Runtime.Do]); on a follower they fail with a
// *replica.NotLeaderError.
func (r *Runtime) Node() *replica.Node { return r.node }

// EngineConfig returns the engine configuration the workspace is created
// with (Config.Engine). Safe for concurrent use.
func (r *Runtime) EngineConfig() assign.Config { return r.engine }

// Workspace returns the workspace the server runs, [Workspace].
func (r *Runtime) Workspace() replica.WorkspaceID { return Workspace }

// Do submits cmd for the workspace through the node (the leader stamps
// its time) and returns once this node's engine has applied it: a View
// right after sees it. It does not wait for the stream's consumers (the
// event store's commit, the metrics, the live views): the readers of those
// catch up instead (Events, Dashboard, WithCollector and Advice wait until
// the stream has consumed everything applied before they were called), so
// a caller still reads its own write there, and a write never waits for a
// second disk commit. ctx bounds the wait for the log.
func (r *Runtime) Do(ctx context.Context, cmd assign.Command) (assign.Ready, error) {
	return r.node.Do(ctx, Workspace, cmd)
}

// View runs read on this node's engine (possibly stale on a follower). It
// reports false, without calling read, while no command has created the
// workspace yet. It never waits for the stream's consumers (the disk).
func (r *Runtime) View(read func(e *assign.Engine)) (bool, error) {
	err := r.node.View(Workspace, read)
	if errors.Is(err, replica.ErrUnknownWorkspace) {
		return false, nil
	}
	return err == nil, err
}

// Dashboard returns the live dashboard at now (the zero time: at the
// latest event), read under the collector's lock, once the stream has
// consumed every entry applied before the call (see caughtUp): it
// reflects every command whose Do returned before. Safe for concurrent
// use; it waits at most for the entries queued before the call (a bounded
// queue, consumed at the disk's rate), never on the network or the
// telephony.
func (r *Runtime) Dashboard(now time.Time) metrics.Dashboard {
	r.caughtUp()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.col.Dashboard(now)
}

// WithCollector runs fn with the metrics collector under its lock (for
// Report or ChannelAt), once the stream has caught up as for
// [Runtime.Dashboard]. fn must not keep the collector.
func (r *Runtime) WithCollector(fn func(c *metrics.Collector)) {
	r.caughtUp()
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(r.col)
}

// Advice returns the staffing advice for every team at now: each team's
// arrival rate and mean handle time over the advice window, the
// teammates available for phone as available gives them (see
// advice.AvailableByTeam of [Runtime.Dashboard]), and how many its
// service-level target needs. Its signature is advice.Tracker.Advice's,
// so it plugs in where that does. Like [Runtime.Dashboard], it first
// lets the stream catch up. Safe for concurrent use; it never waits on
// the network.
func (r *Runtime) Advice(now time.Time, available map[pb.TeamID]int) []advice.TeamAdvice {
	r.caughtUp()
	r.mu.Lock()
	loads := r.col.Staffing(now)
	r.mu.Unlock()
	return r.tracker.Advise(loads, available)
}

// teams returns the IDs of the workspace's teams now (none before the
// workspace exists), read from this node's engine.
func (r *Runtime) teams() []pb.TeamID {
	var ids []pb.TeamID
	_, _ = r.View(func(e *assign.Engine) {
		e.EachTeam(func(v assign.TeamView) bool {
			ids = append(ids, v.ID)
			return true
		})
	})
	return ids
}

// Now returns the runtime's clock time.
func (r *Runtime) Now() time.Time { return r.clock.Now() }

// Events returns the durable event store (timelines, recent events),
// once the stream has consumed every entry applied before the call (see
// caughtUp): reads made on it right after see every command whose Do
// returned before. Call it for each read rather than keeping the store.
func (r *Runtime) Events() *eventstore.Store {
	r.caughtUp()
	return r.store
}

// Timeline returns call's events from the event store, once the stream
// has consumed every entry applied before the call (as [Runtime.Events]).
// Its signature is eventstore.Store.Timeline's, so it plugs in where that
// does; bind it (rt.Timeline), not rt.Events().Timeline, which would read
// without catching up.
func (r *Runtime) Timeline(call pb.CallID) ([]eventlog.Event, error) {
	return r.Events().Timeline(call)
}

// Subscribe returns a subscription to the events of every entry applied
// from now on (never blocking the log's application: a slow subscriber
// misses batches and sees Batch.Gap). Close it when done.
func (r *Runtime) Subscribe(buffer int) *Subscription { return r.hub.Subscribe(buffer) }

// Exporter returns the Prometheus exporter to register.
func (r *Runtime) Exporter() *promexport.Exporter { return r.exp }

// SetTelephony sets the Telephony that carries out effects on the
// leader, releasing deliveries held until now.
func (r *Runtime) SetTelephony(t telephony.Telephony) { r.disp.SetTelephony(t) }

// Telephony returns the Telephony in use, nil if none is set yet.
func (r *Runtime) Telephony() telephony.Telephony { return r.disp.Telephony() }

// Sync waits until every effect delivered so far was carried out.
func (r *Runtime) Sync(ctx context.Context) error {
	if err := r.node.Sync(ctx); err != nil {
		return err
	}
	return r.disp.Sync(ctx)
}

// Close stops the node (held deliveries are dropped once the dispatcher
// closes), lets the stream's goroutine consume what is queued, closes the
// subscriptions and the event store. Idempotent.
func (r *Runtime) Close() error {
	r.closeOnce.Do(func() {
		if r.disp.Telephony() == nil {
			r.disp.Close() // release held deliveries so the node can stop
		}
		err := r.node.Close()
		r.stopStream()
		r.disp.Close()
		r.hub.Close()
		if serr := r.store.Close(); err == nil {
			err = serr
		}
		r.closeErr = err
	})
	return r.closeErr
}
