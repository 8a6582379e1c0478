package core

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/advice"
	"github.com/phonebalance/phonebalance/server/eventstore"
)

// Workspaces: many in one cluster.
//
// Every workspace has its own engine in the replica (settings, teams,
// teammates, calls), its own events in the event store, its own metrics
// collector and effect log here, and its own host token. The registry of
// workspaces is replicated in the meta store, under the reserved meta
// namespace [RegistrySpace], one record per workspace (its creation time
// and the SHA-256 of its host token): a workspace exists once its record
// is applied, on every node at the same log index, and the log entry that
// creates it is the one write that does. [DefaultWorkspace] exists on
// every server without a record; its host token is the server's
// configured token (-token), not one kept here.
//
// A workspace's host token is "<workspace>.<43 characters of random
// base64url>": 256 random bits, shown once when it is made and kept only
// as its SHA-256 (a token that long needs no slow hash), found by the
// workspace it names and compared in constant time.

// DefaultWorkspace is the workspace every server has from its start: the
// one of the server's configured host token, the SIP gateway and the
// demo. It is the event store's legacy workspace, so the events of a
// store written before workspaces existed are its events.
const DefaultWorkspace = replica.WorkspaceID(eventstore.LegacyWorkspace)

// RegistrySpace is the meta store namespace of the workspace registry; no
// workspace can be named so (IDs are lower-case letters, digits and
// hyphens).
const RegistrySpace replica.WorkspaceID = "_cluster"

// registryBucket is the registry's meta bucket: workspace ID -> record.
const registryBucket = "workspaces"

// workspaceID is what a new workspace may be called: a DNS label (so it
// fits a host name, a path segment, a metrics label and a file name).
var workspaceID = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// Workspace errors.
var (
	// ErrWorkspaceNotFound: no workspace has this ID.
	ErrWorkspaceNotFound = errors.New("core: workspace not found")
	// ErrWorkspaceExists: a workspace with this ID exists already.
	ErrWorkspaceExists = errors.New("core: workspace exists")
	// ErrBadWorkspaceID: not a valid ID for a new workspace (1 to 63
	// lower-case letters, digits and inner hyphens). It also matches
	// assign.ErrInvalidArgument.
	ErrBadWorkspaceID = fmt.Errorf("%w: a workspace ID is 1 to 63 lower-case letters, digits and inner hyphens", assign.ErrInvalidArgument)
)

// WorkspaceRecord is a workspace's registry record, as replicated.
type WorkspaceRecord struct {
	// ID is the workspace's ID.
	ID replica.WorkspaceID `json:"id"`
	// Created is when the workspace was created (the leader's clock).
	Created time.Time `json:"created"`
	// TokenSHA256 is the SHA-256 of the workspace's host token, base64
	// (standard encoding).
	TokenSHA256 []byte `json:"token_sha256"`
	// Engine is the config the workspace's engine is created with (by
	// its first command); nil: the server's (Config.Engine).
	Engine *assign.Config `json:"engine,omitempty"`
}

// Workspace is one workspace of the runtime: its commands, its engine's
// state, its events, metrics, advice and effects. Get one with
// [Runtime.Workspace] or [Runtime.Default]; it stays valid while the
// runtime is open. Safe for concurrent use.
type Workspace struct {
	rt *Runtime
	id replica.WorkspaceID

	// mu guards col, the workspace's fold of the stream (metrics,
	// Prometheus counters, staffing loads), folded by the stream's
	// goroutine and read by the views.
	mu  sync.Mutex
	col *metrics.Collector
	// effects is the workspace's effect log (effects.go).
	effects *EffectLog
}

// spaces is the runtime's in-memory state per workspace, made on first
// use: a workspace that never had a command costs a map entry and an
// empty collector.
type spaces struct {
	mu sync.Mutex
	m  map[replica.WorkspaceID]*Workspace
	// floor is the index of the latest snapshot restored: a workspace's
	// effect log made later starts past it (guarded by mu).
	floor uint64
	// create serializes the creation of workspaces on this node (the
	// leader), so that two requests for one ID cannot both succeed.
	create sync.Mutex
}

// space returns ws's state, making it (with an empty collector) on first
// use. It does not check that ws exists.
func (r *Runtime) space(ws replica.WorkspaceID) *Workspace {
	r.spaces.mu.Lock()
	defer r.spaces.mu.Unlock()
	w := r.spaces.m[ws]
	if w == nil {
		col, err := metrics.New(r.metricsConfig())
		if err != nil { // the configuration was checked at Open
			panic(err)
		}
		w = &Workspace{rt: r, id: ws, col: col, effects: newEffectLog()}
		if r.spaces.floor > 0 {
			w.effects.restored(r.spaces.floor)
		}
		r.spaces.m[ws] = w
	}
	return w
}

// metricsConfig is every collector's configuration.
func (r *Runtime) metricsConfig() metrics.Config {
	mcfg := metrics.DefaultConfig()
	mcfg.StaffingWindow = r.tracker.Window()
	return mcfg
}

// Default returns [DefaultWorkspace].
func (r *Runtime) Default() *Workspace { return r.space(DefaultWorkspace) }

// Workspace returns the workspace id if it exists on this node (it is
// [DefaultWorkspace] or its creation was applied here), else an error
// matching ErrWorkspaceNotFound. Safe for concurrent use; it never waits
// on the network.
func (r *Runtime) Workspace(id replica.WorkspaceID) (*Workspace, error) {
	if id != DefaultWorkspace {
		if _, ok := r.node.GetMeta(RegistrySpace, registryBucket, string(id)); !ok {
			return nil, fmt.Errorf("%w: %q", ErrWorkspaceNotFound, id)
		}
	}
	return r.space(id), nil
}

// Workspaces returns the IDs of every workspace on this node:
// [DefaultWorkspace] first, then the created ones in byte order. Safe for
// concurrent use; it reads the registry page by page.
func (r *Runtime) Workspaces() []replica.WorkspaceID {
	ids := []replica.WorkspaceID{DefaultWorkspace}
	after := ""
	for {
		page := r.node.ListMeta(RegistrySpace, registryBucket, after, replica.MaxMetaList)
		for _, it := range page {
			ids = append(ids, replica.WorkspaceID(it.Key))
		}
		if len(page) < replica.MaxMetaList {
			return ids
		}
		after = page[len(page)-1].Key
	}
}

// Record returns workspace id's registry record, false for
// [DefaultWorkspace] (which has none) or an unknown ID. A record that does
// not decode is reported as absent. Safe for concurrent use.
func (r *Runtime) Record(id replica.WorkspaceID) (WorkspaceRecord, bool) {
	v, ok := r.node.GetMeta(RegistrySpace, registryBucket, string(id))
	if !ok {
		return WorkspaceRecord{}, false
	}
	var rec WorkspaceRecord
	if json.Unmarshal(v, &rec) != nil || rec.ID != id || len(rec.TokenSHA256) != sha256.Size {
		return WorkspaceRecord{}, false
	}
	return rec, true
}

// CreateWorkspace creates workspace id through the log, in one entry
// (its registry record), and returns its host token, which is shown only
// now. The workspace's engine is made by its first command, with engine
// (nil: the server's Config.Engine): ring timeout, exclusion period, call
// limit, wrap-up, TEST workspace and retention are fixed then, the rest
// changes later through the settings route. It fails with
// ErrBadWorkspaceID, an error matching assign.ErrInvalidConfig for an
// engine config the engine refuses, ErrWorkspaceExists (the default
// workspace included), or a *replica.NotLeaderError on a follower.
// Concurrent creations of one ID on this node: one succeeds. ctx bounds
// the wait for the log.
func (r *Runtime) CreateWorkspace(ctx context.Context, id replica.WorkspaceID, engine *assign.Config) (token string, err error) {
	if !workspaceID.MatchString(string(id)) {
		return "", fmt.Errorf("%w: %q", ErrBadWorkspaceID, id)
	}
	if engine != nil {
		if err := engine.Validate(); err != nil {
			return "", err
		}
	}
	r.spaces.create.Lock()
	defer r.spaces.create.Unlock()
	if _, err := r.Workspace(id); err == nil {
		return "", fmt.Errorf("%w: %q", ErrWorkspaceExists, id)
	}
	return r.putToken(ctx, WorkspaceRecord{ID: id, Created: r.clock.Now().UTC(), Engine: engine})
}

// RotateToken replaces workspace id's host token with a new one, which it
// returns (shown only now); the old one stops working on every node as
// soon as each applies the change. [DefaultWorkspace]'s token is the
// server's configuration, not rotated here: ErrWorkspaceNotFound.
func (r *Runtime) RotateToken(ctx context.Context, id replica.WorkspaceID) (string, error) {
	r.spaces.create.Lock()
	defer r.spaces.create.Unlock()
	rec, ok := r.Record(id)
	if !ok {
		return "", fmt.Errorf("%w: %q (the default workspace's token is the server's -token)", ErrWorkspaceNotFound, id)
	}
	return r.putToken(ctx, rec)
}

// putToken writes rec with a new token and returns the token.
func (r *Runtime) putToken(ctx context.Context, rec WorkspaceRecord) (string, error) {
	var secret [32]byte
	rand.Read(secret[:])
	token := string(rec.ID) + "." + base64.RawURLEncoding.EncodeToString(secret[:])
	sum := sha256.Sum256([]byte(token))
	rec.TokenSHA256 = sum[:]
	v, err := json.Marshal(rec)
	if err != nil {
		return "", err
	}
	if err := r.node.PutMeta(ctx, RegistrySpace, registryBucket, string(rec.ID), v); err != nil {
		return "", err
	}
	return token, nil
}

// engineFor is the replica's Config.EngineFor: the engine config of
// workspace ws's record, else the server's.
func (r *Runtime) engineFor(ws replica.WorkspaceID) assign.Config {
	if rec, ok := r.Record(ws); ok && rec.Engine != nil {
		return *rec.Engine
	}
	return r.engine
}

// EngineConfig returns the workspace's engine config: its engine's, or,
// before its first command, the one it will be created with. Safe for
// concurrent use.
func (w *Workspace) EngineConfig() assign.Config {
	var c assign.Config
	if ok, _ := w.View(func(e *assign.Engine) { c = e.Config() }); ok {
		return c
	}
	return w.rt.engineFor(w.id)
}

// VerifyToken reports which workspace secret is the host token of, in
// constant time for a given workspace (the ID is read from the token's
// prefix). Safe for concurrent use; it never waits on the network.
func (r *Runtime) VerifyToken(secret string) (replica.WorkspaceID, bool) {
	id, _, ok := strings.Cut(secret, ".")
	if !ok || !workspaceID.MatchString(id) {
		return "", false
	}
	rec, ok := r.Record(replica.WorkspaceID(id))
	if !ok {
		return "", false
	}
	sum := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(sum[:], rec.TokenSHA256) != 1 {
		return "", false
	}
	return rec.ID, true
}

// ID returns the workspace's ID.
func (w *Workspace) ID() replica.WorkspaceID { return w.id }

// Do submits cmd for the workspace through the node (the leader stamps
// its time) and returns once this node's engine has applied it: a View
// right after sees it. It does not wait for the stream's consumers (the
// event store's commit, the metrics, the live views): the readers of those
// catch up instead (Events, Dashboard, WithCollector and Advice wait until
// the stream has consumed everything applied before they were called), so
// a caller still reads its own write there, and a write never waits for a
// second disk commit. ctx bounds the wait for the log.
func (w *Workspace) Do(ctx context.Context, cmd assign.Command) (assign.Ready, error) {
	return w.rt.node.Do(ctx, w.id, cmd)
}

// DoIdempotent is [Workspace.Do] for a command sent with an idempotency
// key and the hash of its request (replica.Node.DoIdempotent): the first
// command with the key acts, a retry returns its recorded outcome. Like
// Do, it does not wait for the stream's consumers. Safe for concurrent
// use.
func (w *Workspace) DoIdempotent(ctx context.Context, cmd assign.Command, key, hash string) (assign.Ready, error) {
	return w.rt.node.DoIdempotent(ctx, w.id, cmd, key, hash)
}

// Recorded returns the outcome recorded on this node for an idempotency
// key (replica.Node.Recorded). Safe for concurrent use.
func (w *Workspace) Recorded(key, hash string) (replica.Outcome, bool) {
	return w.rt.node.Recorded(w.id, key, hash)
}

// View runs read on this node's engine of the workspace (possibly stale
// on a follower). It reports false, without calling read, while no command
// has created the engine yet. It never waits for the stream's consumers
// (the disk).
func (w *Workspace) View(read func(e *assign.Engine)) (bool, error) {
	err := w.rt.node.View(w.id, read)
	if errors.Is(err, replica.ErrUnknownWorkspace) {
		return false, nil
	}
	return err == nil, err
}

// Dashboard returns the workspace's live dashboard at now (the zero time:
// at the latest event), read under the collector's lock, once the stream
// has consumed every entry applied before the call (see caughtUp): it
// reflects every command whose Do returned before. Safe for concurrent
// use; it waits at most for the entries queued before the call (a bounded
// queue, consumed at the disk's rate), never on the network or the
// telephony.
func (w *Workspace) Dashboard(now time.Time) metrics.Dashboard {
	w.rt.caughtUp()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.col.Dashboard(now)
}

// WithCollector runs fn with the workspace's metrics collector under its
// lock (for Report or ChannelAt), once the stream has caught up as for
// [Workspace.Dashboard]. fn must not keep the collector.
func (w *Workspace) WithCollector(fn func(c *metrics.Collector)) {
	w.rt.caughtUp()
	w.withCollector(fn)
}

// withCollector is WithCollector without catching up (the exporter,
// which reads every workspace after one catch-up).
func (w *Workspace) withCollector(fn func(c *metrics.Collector)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fn(w.col)
}

// Advice returns the staffing advice for every team of the workspace at
// now: each team's arrival rate and mean handle time over the advice
// window, the teammates available for phone as available gives them (see
// advice.AvailableByTeam of [Workspace.Dashboard]), and how many its
// service-level target needs. Its signature is advice.Tracker.Advice's,
// so it plugs in where that does. Like [Workspace.Dashboard], it first
// lets the stream catch up. Safe for concurrent use; it never waits on
// the network.
func (w *Workspace) Advice(now time.Time, available map[pb.TeamID]int) []advice.TeamAdvice {
	w.rt.caughtUp()
	w.mu.Lock()
	loads := w.col.Staffing(now)
	w.mu.Unlock()
	return w.rt.tracker.Advise(loads, available)
}

// Teams returns the IDs of the workspace's teams now (none before its
// engine exists), read from this node's engine.
func (w *Workspace) Teams() []pb.TeamID {
	var ids []pb.TeamID
	_, _ = w.View(func(e *assign.Engine) {
		e.EachTeam(func(v assign.TeamView) bool {
			ids = append(ids, v.ID)
			return true
		})
	})
	return ids
}

// Events returns the workspace's stored events, once the stream has
// consumed every entry applied before the call (see caughtUp): reads made
// on it right after see every command whose Do returned before. Call it
// for each read rather than keeping the result.
func (w *Workspace) Events() Events {
	w.rt.caughtUp()
	return Events{s: w.rt.store, ws: string(w.id)}
}

// Timeline returns call's events from the event store, once the stream
// has consumed every entry applied before the call (as
// [Workspace.Events]). Its signature is eventstore.Store.Timeline's
// without the workspace, so it plugs in where a timeline function does.
func (w *Workspace) Timeline(call pb.CallID) ([]eventlog.Event, error) {
	return w.Events().Timeline(call)
}

// Effects returns the workspace's effect log. Safe for concurrent use.
func (w *Workspace) Effects() *EffectLog { return w.effects }

// Subscribe returns a subscription to the workspace's events of every
// entry applied from now on, and to the snapshots installed (Batch.Gap
// with no events), never blocking the log's application (a slow
// subscriber misses batches and sees Batch.Gap). Close it when done.
func (w *Workspace) Subscribe(buffer int) *Subscription { return w.rt.hub.Subscribe(w.id, buffer) }

// Events is one workspace's view of the event store. Its methods are the
// store's, for the workspace; safe for concurrent use.
type Events struct {
	s  *eventstore.Store
	ws string
}

// Timeline returns the call's events in Seq order (eventstore.Store.Timeline).
func (e Events) Timeline(call pb.CallID) ([]eventlog.Event, error) { return e.s.Timeline(e.ws, call) }

// After returns up to limit events with Seq above seq (eventstore.Store.After).
func (e Events) After(seq uint64, limit int) ([]eventlog.Event, error) {
	return e.s.After(e.ws, seq, limit)
}

// Recent returns up to max of the latest events from memory (eventstore.Store.Recent).
func (e Events) Recent(max int) []eventlog.Event { return e.s.Recent(e.ws, max) }

// Len returns how many events the workspace has stored (eventstore.Store.Len).
func (e Events) Len() int { return e.s.Len(e.ws) }

// LastSeq returns the Seq of the workspace's last stored event (eventstore.Store.LastSeq).
func (e Events) LastSeq() uint64 { return e.s.LastSeq(e.ws) }

// Export writes the workspace's events as JSON lines (eventstore.Store.Export).
func (e Events) Export(w io.Writer) error { return e.s.Export(e.ws, w) }

// restored records in every workspace's effect log, and for the logs
// made later, that a snapshot at index replaced the state.
func (s *spaces) restored(index uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.floor = max(s.floor, index)
	for _, w := range s.m {
		w.effects.restored(index)
	}
}

// Ready reports whether this node leads and has applied its whole log
// (replica's Status.Ready): its view of the workspace is then current
// enough to refuse a command before the log (see api.Precheck). Safe for
// concurrent use.
func (w *Workspace) Ready() bool { return w.rt.node.Ready() }
