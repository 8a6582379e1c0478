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
// A runtime runs many workspaces (workspace.go): each has its own engine,
// events, metrics collector, effect log and host token. What other parts
// of the server use, on a [*Runtime]:
//
//   - Workspace(id), Default(), Workspaces(), CreateWorkspace,
//     RotateToken, VerifyToken: the workspaces and their registry.
//   - Node(): the replica node (membership, status, meta store).
//   - Gaps(): the ranges of entries whose events this node lacks (it
//     installed a snapshot); Store(): the whole event store (backups,
//     readiness).
//   - WaitApplied(ctx, index) and CatchUp(ctx): wait for the stream's
//     consumers, which may lag the state machine by a few entries (Do
//     does not wait for them; Events, Dashboard, WithCollector and
//     Advice catch up before they read).
//   - SetTelephony(t): the telephony side, which may be built on the open
//     node; deliveries wait for it when Config.Telephony is nil.
//   - Exporter(): the Prometheus collector, which mirrors every
//     workspace's metrics collector at scrape time (no fold of its own),
//     with every team's series from the team's creation.
//
// and on a [*Workspace]:
//
//   - Do(ctx, cmd): submit a command; on a follower it fails with a
//     *replica.NotLeaderError.
//   - View(read): this node's engine, for calls, teammates, Explain;
//     never waits for the event store or the metrics.
//   - Dashboard(now): the live metrics.Dashboard, read under the
//     collector's lock; WithCollector(fn) for Report and ChannelAt.
//   - Events(): the workspace's stored events (Timeline, After, Recent).
//   - Subscribe(buffer): the workspace's events of each applied entry
//     with its raft index, as they are stored; never blocking the log (a
//     slow subscriber misses batches and sees Batch.Gap on the next one).
//   - Advice(now, available): the staffing advice per team (arrival rate
//     and mean handle time over a sliding window, and the teammates a
//     service-level target needs), from the collector's staffing loads;
//     also exported on /metrics.
//   - Exporter(): the workspace's own Prometheus collector (what its host
//     may scrape).
package core

import (
	"cmp"
	"context"
	"crypto/tls"
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
	// Engine is the phone settings every workspace is created with.
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

	// spaces holds each workspace's fold of the stream (its metrics
	// collector) and effect log (workspace.go).
	spaces spaces
	// tracker holds the staffing targets and turns a collector's loads
	// into advice; it folds nothing.
	tracker *advice.Tracker

	closeOnce sync.Once
	closeErr  error
}

// Open opens the event store (pruning it), folds it into the metrics,
// starts the stream's goroutine, then opens the replica node, which
// replays its log into the stream: the entries at or below the store's
// applied index are skipped.
func Open(cfg Config) (*Runtime, error) {
	r := &Runtime{clock: cfg.Clock, logger: cfg.Logger, hub: NewHub(), engine: cfg.Engine,
		stream: newStream(cfg.StreamBuffer), pruneEvery: cfg.PruneEvery,
		spaces: spaces{m: map[replica.WorkspaceID]*Workspace{}}}
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
	if _, err := metrics.New(r.metricsConfig()); err != nil {
		r.store.Close()
		return nil, err
	}
	r.exp = promexport.New(promexport.Config{Workspaces: r.sources})
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
		Logger: r.logger, OnApply: r.onApply, OnRestore: r.onRestore, Deliver: r.disp.Deliver, EngineFor: r.engineFor,
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

// rebuild folds the whole event store into the workspaces' collectors
// (at Open, before the stream starts).
func (r *Runtime) rebuild() error {
	rejected := 0
	var w *Workspace
	err := r.store.Replay(func(ws string, ev eventlog.Event) error {
		if w == nil || string(w.id) != ws {
			w = r.space(replica.WorkspaceID(ws))
		}
		if w.col.Observe(ev) != nil { // before the stream starts: no reader yet
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
	return nil
}

// fold folds a workspace's new events into its metrics, in order.
func (r *Runtime) fold(ws replica.WorkspaceID, events []eventlog.Event) {
	w := r.space(ws)
	rejected := 0
	var first error
	w.mu.Lock()
	for _, ev := range events {
		if err := w.col.Observe(ev); err != nil {
			rejected++
			first = cmp.Or(first, err)
		}
	}
	w.mu.Unlock()
	if rejected > 0 {
		r.logger.Warn("metrics refused events (after a gap, those of calls it did not see start)", "workspace", ws, "count", rejected, "first", first)
	}
}

// sources are the exporter's workspaces: every one in the registry (so a
// new workspace's teams have their series from their creation), each read
// after one catch-up of the stream.
func (r *Runtime) sources() []promexport.Source {
	r.caughtUp()
	now := r.clock.Now()
	ids := r.Workspaces()
	out := make([]promexport.Source, 0, len(ids))
	for _, id := range ids {
		out = append(out, r.space(id).source(now))
	}
	return out
}

// source is the workspace's metrics for the exporter at now.
func (w *Workspace) source(now time.Time) promexport.Source {
	teams := w.Teams()
	return promexport.Source{
		Workspace: string(w.id),
		Collector: w.withCollector,
		Teams:     func() []pb.TeamID { return teams },
		Advice: func() []advice.TeamAdvice {
			var dash metrics.Dashboard
			var loads []metrics.TeamLoad
			w.withCollector(func(c *metrics.Collector) {
				dash = c.Dashboard(now)
				loads = c.Staffing(now)
			})
			available := advice.AvailableByTeam(dash)
			for _, id := range teams { // every team has advice, from its creation
				if _, ok := available[id]; !ok {
					available[id] = 0
				}
			}
			return w.rt.tracker.Advise(loads, available)
		},
	}
}

// Exporter returns a Prometheus collector of this workspace's metrics
// only (the runtime's [Runtime.Exporter] has every workspace's): what the
// workspace's host may scrape. It reads at each scrape, after a catch-up
// of the stream; make one per scrape or keep it.
func (w *Workspace) Exporter() *promexport.Exporter {
	return promexport.New(promexport.Config{Workspaces: func() []promexport.Source {
		w.rt.caughtUp()
		return []promexport.Source{w.source(w.rt.clock.Now())}
	}})
}

// stopStream closes the stream's queue and waits for its goroutine; the
// state machine must be stopped.
func (r *Runtime) stopStream() {
	close(r.stream.queue)
	<-r.stream.done
}

// Node returns the replica node (membership, status, the meta store).
// Submit a workspace's commands with [Workspace.Do].
func (r *Runtime) Node() *replica.Node { return r.node }

// EngineConfig returns the engine configuration a workspace is created
// with when its record names none (Config.Engine). Safe for concurrent
// use.
func (r *Runtime) EngineConfig() assign.Config { return r.engine }

// Now returns the runtime's clock time.
func (r *Runtime) Now() time.Time { return r.clock.Now() }

// Store returns the whole event store (every workspace's events), for
// backups and readiness; read a workspace's events with
// [Workspace.Events]. It does not wait for the stream.
func (r *Runtime) Store() *eventstore.Store { return r.store }

// Subscribe returns a subscription to the events of every workspace's
// entries applied from now on (never blocking the log's application: a
// slow subscriber misses batches and sees Batch.Gap); [Workspace.Subscribe]
// gets one workspace's. Close it when done.
func (r *Runtime) Subscribe(buffer int) *Subscription { return r.hub.Subscribe("", buffer) }

// Exporter returns the Prometheus exporter of every workspace's metrics,
// to register (the operator's scrape; [Workspace.Exporter] is one
// workspace's).
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
