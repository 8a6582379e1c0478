package replica

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"github.com/phonebalance/phonebalance/assign"
	"go.etcd.io/bbolt"
)

// Node is one member of a replica: a raft server whose state machine holds
// one engine per workspace. It is safe for concurrent use. Close it to
// stop raft, its timer and its goroutines.
//
// At start, the node restores its latest snapshot (Config.OnRestore sees
// its index), then, once a leader is known and the commit index reached,
// applies the log entries after it again: Config.OnApply sees each of them
// again, with its original Index, so a host that folds OnApply into its own
// durable stores skips indexes it has folded already. Replayed entries are
// never handed to Config.Deliver; the leader's Reconcile delivery stands
// for them.
type Node struct {
	cfg  Config
	fsm  *fsm
	dq   *deliveryQueue
	r    atomic.Pointer[raft.Raft]
	addr raft.ServerAddress

	logs   raft.LogStore
	stable raft.StableStore
	snaps  raft.SnapshotStore
	trans  raft.Transport
	probes *raft.NetworkTransport // dials peers before a change of membership; nil without TCP
	bolt   *raftboltdb.BoltStore

	notify   chan bool     // raft's leadership notifications
	leaderCh chan bool     // LeaderCh: latest transition, lossy
	wake     chan struct{} // buffered 1: re-check the deadline timer
	stop     chan struct{}
	wg       sync.WaitGroup

	// known holds the workspaces Do has seen exist (WorkspaceID ->
	// struct{}): a workspace is never removed, so Do checks the state
	// machine, under its lock, only until the workspace exists.
	known sync.Map

	ready    atomic.Uint64 // the term in which this leader finished reconciling; 0 if none
	amu      sync.Mutex
	applied  atomic.Uint64 // written under amu
	appliedC chan struct{} // under amu: closed when applied grows, if someone waits

	firstReady chan struct{} // closed when this node first leads and has reconciled
	readyOnce  sync.Once

	started   bool // goroutines started
	closeOnce sync.Once
	closeErr  error
	closed    atomic.Bool
}

// openTimeout bounds how long Open waits for a one-node cluster to elect
// itself and replay its log.
const openTimeout = 60 * time.Second

// Open starts a node. Without RaftAddr it is a one-node cluster that
// bootstraps itself on Dir (or in memory) the first time, and Open returns
// once it has elected itself (about 100 ms), replayed its log and queued
// its Reconcile deliveries: Do works at once. With RaftAddr it listens for peers over
// TCP (TLS with Config.TLS); with Bootstrap it forms a new cluster of
// itself when Dir holds no raft state, otherwise it waits to be joined by
// the leader ([Node.Join]) or finds its cluster from its stored
// configuration.
func Open(cfg Config) (*Node, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, notify: make(chan bool, 16), leaderCh: make(chan bool, 1),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), firstReady: make(chan struct{})}
	n.fsm = newFSM(n)
	n.dq = newDeliveryQueue(n)
	if err := n.openStores(); err != nil {
		n.closeStores()
		return nil, err
	}
	if err := n.openTransport(); err != nil {
		n.closeStores()
		return nil, err
	}
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.NodeID)
	rc.BatchApplyCh = true
	rc.MaxAppendEntries = 256
	rc.Logger = newHCLogger(cfg.Logger)
	if cfg.single() { // no network: elect itself fast
		rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout = 100*time.Millisecond, 100*time.Millisecond, 100*time.Millisecond
	}
	if cfg.TuneRaft != nil {
		cfg.TuneRaft(rc)
	}
	rc.LocalID = raft.ServerID(cfg.NodeID)
	rc.NotifyCh = n.notify
	hasState, err := raft.HasExistingState(n.logs, n.stable, n.snaps)
	if err != nil {
		n.closeAll()
		return nil, fmt.Errorf("replica: reading raft state: %w", err)
	}
	n.wg.Add(2)
	go n.dq.loop()
	go n.watchLeadership()
	go n.tickLoop()
	n.started = true
	r, err := raft.NewRaft(rc, n.fsm, n.logs, n.stable, n.snaps, n.trans)
	if err != nil {
		n.closeAll()
		return nil, fmt.Errorf("replica: starting raft: %w", err)
	}
	if cfg.single() && hasState {
		if r, err = n.aloneAgain(rc, r); err != nil {
			n.closeAll()
			return nil, err
		}
	}
	n.r.Store(r)
	if !hasState && (cfg.single() || cfg.Bootstrap) {
		conf := raft.Configuration{Servers: []raft.Server{{ID: rc.LocalID, Address: n.addr}}}
		if err := r.BootstrapCluster(conf).Error(); err != nil && !errors.Is(err, raft.ErrCantBootstrap) {
			_ = n.Close()
			return nil, fmt.Errorf("replica: bootstrapping: %w", err)
		}
	}
	if cfg.single() { // one node: ready to take commands when Open returns
		select {
		case <-n.firstReady:
		case <-time.After(openTimeout):
			_ = n.Close()
			return nil, fmt.Errorf("replica: the node did not elect itself within %v", openTimeout)
		}
	}
	return n, nil
}

func (n *Node) openStores() error {
	if n.cfg.logs != nil {
		n.logs, n.stable, n.snaps = n.cfg.logs, n.cfg.stable, n.cfg.snaps
		return nil
	}
	if n.cfg.InMemory {
		s := raft.NewInmemStore()
		n.logs, n.stable, n.snaps = s, s, raft.NewInmemSnapshotStore()
		return nil
	}
	if err := os.MkdirAll(n.cfg.Dir, 0o700); err != nil {
		return fmt.Errorf("replica: data directory: %w", err)
	}
	// The timeout turns a directory locked by another running node into an
	// error instead of a wait without end.
	b, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(n.cfg.Dir, "raft.db"),
		BoltOptions: &bbolt.Options{Timeout: time.Second}})
	if err != nil {
		return fmt.Errorf("replica: opening the log: %w", err)
	}
	n.bolt = b
	cache, err := raft.NewLogCache(1024, b)
	if err != nil {
		return err
	}
	n.logs, n.stable = cache, b
	snaps, err := raft.NewFileSnapshotStoreWithLogger(n.cfg.Dir, 2, newHCLogger(n.cfg.Logger))
	if err != nil {
		return fmt.Errorf("replica: opening the snapshot store: %w", err)
	}
	n.snaps = snaps
	return nil
}

func (n *Node) openTransport() error {
	switch {
	case n.cfg.transport != nil:
		n.trans = n.cfg.transport
	case n.cfg.RaftAddr == "":
		n.addr, n.trans = raft.NewInmemTransport(raft.ServerAddress(n.cfg.NodeID))
		return nil
	default:
		var adv net.Addr
		if n.cfg.Advertise != "" {
			a, err := net.ResolveTCPAddr("tcp", n.cfg.Advertise)
			if err != nil {
				return fmt.Errorf("%w: Advertise: %v", ErrInvalidConfig, err)
			}
			adv = a
		}
		t, err := newTCPTransport(n.cfg.RaftAddr, adv, n.cfg.TLS, n.cfg.Logger)
		if err != nil {
			return err
		}
		n.trans = t
		local, err := net.ResolveTCPAddr("tcp", string(t.LocalAddr()))
		if err != nil {
			_ = t.Close()
			return fmt.Errorf("replica: raft transport: %w", err)
		}
		n.probes = newProbeTransport(local, n.cfg.TLS, n.cfg.Logger)
	}
	n.addr = n.trans.LocalAddr()
	return nil
}

// Addr returns the address peers reach this node at (the bound address in
// cluster mode), for [Node.Join] on the leader.
func (n *Node) Addr() string { return string(n.addr) }

// ID returns the node's raft server ID.
func (n *Node) ID() string { return n.cfg.NodeID }

// raft returns the raft instance; nil only during Open.
func (n *Node) raft() *raft.Raft { return n.r.Load() }

// leaderTerm returns the current term if this node leads, else 0.
func (n *Node) leaderTerm() uint64 {
	r := n.raft()
	if r == nil || r.State() != raft.Leader {
		return 0
	}
	return r.CurrentTerm()
}

// Do stamps cmd.At with the leader's clock and commits cmd to the log for
// workspace ws, creating the workspace's engine on first use, on every
// node with this leader's Config.Engine (or Config.EngineFor's). Once the
// command is applied on this (leader) node it returns the engine's error
// for it and what it produced (a copy the caller owns); the effects are
// also handed to Config.Deliver in log order. On a follower, or if
// leadership is lost first, the error is a *[NotLeaderError] (errors.Is
// ErrNotLeader). ctx bounds the wait; when it expires the command may
// still commit. A trace in ctx ([WithTrace]) travels with the command to
// its Delivery. Safe for concurrent use.
func (n *Node) Do(ctx context.Context, ws WorkspaceID, cmd assign.Command) (assign.Ready, error) {
	return n.do(ctx, ws, cmd, nil)
}

// do is Do, and DoIdempotent with idem set: the one path a command takes
// to the log.
func (n *Node) do(ctx context.Context, ws WorkspaceID, cmd assign.Command, idem *idemTag) (assign.Ready, error) {
	if ws == "" {
		return assign.Ready{}, fmt.Errorf("%w: empty workspace", assign.ErrInvalidArgument)
	}
	if idem != nil && (idem.Key == "" || len(idem.Key) > MaxIdempotencyKey || idem.Hash == "" || len(idem.Hash) > MaxIdempotencyKey) {
		return assign.Ready{}, fmt.Errorf("%w: idempotency key of 1 to %d bytes", assign.ErrInvalidArgument, MaxIdempotencyKey)
	}
	r, err := n.leaderRaft()
	if err != nil {
		return assign.Ready{}, err
	}
	cmd.At = n.cfg.Clock.Now()
	e := entry{Workspace: ws, Command: cmd, Idem: idem, Trace: traceOf(ctx)}
	if !n.exists(ws) { // the entry that creates the workspace carries its config
		e.Engine = n.engineFor(ws)
	}
	data, err := encodeEntry(e)
	if err != nil {
		return assign.Ready{}, fmt.Errorf("%w: %v", assign.ErrInvalidArgument, err)
	}
	res, err := n.commit(ctx, r, data)
	if err != nil {
		return assign.Ready{}, err
	}
	return res.ready, res.err
}

// commit appends an encoded entry through r, the leader's raft, and waits
// until it is applied on this node: the one wait of Do, DoIdempotent and
// the meta writes.
func (n *Node) commit(ctx context.Context, r *raft.Raft, data []byte) (*result, error) {
	f := r.Apply(data, enqueueTimeout(ctx))
	if err := waitFuture(ctx, f); err != nil {
		return nil, n.raftErr(err)
	}
	res, _ := f.Response().(*result)
	if res == nil {
		return nil, fmt.Errorf("%w: no result", ErrBadEntry)
	}
	return res, nil
}

// engineFor returns the config a new workspace ws is created with:
// Config.EngineFor's, else Config.Engine.
func (n *Node) engineFor(ws WorkspaceID) *assign.Config {
	if n.cfg.EngineFor != nil {
		cfg := n.cfg.EngineFor(ws)
		return &cfg
	}
	return &n.cfg.Engine
}

// exists reports whether ws's engine exists on this node, without the
// state machine's lock once it has: every command after the first skips
// the lock (a workspace, once created, stays). A workspace created
// meanwhile reads as missing, and its entry carries the engine's config,
// which the state machine ignores for a workspace it has.
func (n *Node) exists(ws WorkspaceID) bool {
	if _, ok := n.known.Load(ws); ok {
		return true
	}
	if !n.fsm.has(ws) {
		return false
	}
	n.known.Store(ws, struct{}{})
	return true
}

// leaderRaft returns raft if this node is open and leads.
func (n *Node) leaderRaft() (*raft.Raft, error) {
	if n.closed.Load() {
		return nil, ErrClosed
	}
	r := n.raft()
	if r == nil || r.State() != raft.Leader {
		return nil, n.notLeader(false)
	}
	return r, nil
}

func (n *Node) notLeader(uncertain bool) error {
	id, addr := n.Leader()
	return &NotLeaderError{LeaderID: id, LeaderAddr: addr, Uncertain: uncertain}
}

// raftErr maps raft's errors to the node's.
func (n *Node) raftErr(err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrEnqueueTimeout) && n.leaderTerm() == 0:
		return n.notLeader(false)
	case errors.Is(err, raft.ErrLeadershipLost), errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return n.notLeader(true)
	case errors.Is(err, raft.ErrRaftShutdown):
		return ErrClosed
	}
	return err
}

func enqueueTimeout(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return max(time.Until(d), time.Millisecond)
	}
	return 0
}

// waitFuture waits for f or ctx. Raft resolves every future on shutdown,
// so the helper goroutine never outlives the node.
func waitFuture(ctx context.Context, f raft.Future) error {
	if ctx.Done() == nil {
		return f.Error()
	}
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// View runs read on the workspace's engine under the state machine's lock,
// on this node's state: possibly stale on a follower, and never blocked by
// the network. read must not keep the engine or call the Node; it holds up
// the log's application while it runs. ErrUnknownWorkspace if no command
// has named ws on this node yet.
func (n *Node) View(ws WorkspaceID, read func(e *assign.Engine)) error {
	n.fsm.mu.Lock()
	defer n.fsm.mu.Unlock()
	eng := n.fsm.engines[ws]
	if eng == nil {
		return fmt.Errorf("%w: %q", ErrUnknownWorkspace, ws)
	}
	read(eng)
	return nil
}

// ViewConsistent is View after making sure that this node leads and has
// applied everything committed before the call (a linearizable read): it
// confirms leadership with a quorum and, unless the state machine has
// already reached the commit index, commits a raft Barrier. On a follower
// it returns a *[NotLeaderError]. ctx bounds the wait.
func (n *Node) ViewConsistent(ctx context.Context, ws WorkspaceID, read func(e *assign.Engine)) error {
	r, err := n.leaderRaft()
	if err != nil {
		return err
	}
	commit := r.CommitIndex()
	if err := waitFuture(ctx, r.VerifyLeader()); err != nil {
		return n.raftErr(err)
	}
	// The commit index may be a no-op or barrier entry, which the state
	// machine never sees: then a Barrier makes sure everything before it
	// is applied.
	if n.ready.Load() != r.CurrentTerm() || n.applied.Load() < commit {
		if err := waitFuture(ctx, r.Barrier(enqueueTimeout(ctx))); err != nil {
			return n.raftErr(err)
		}
	}
	return n.View(ws, read)
}

// appliedTo records that the state machine reached index and wakes the
// waiters.
func (n *Node) appliedTo(index uint64) {
	n.amu.Lock()
	defer n.amu.Unlock()
	if index > n.applied.Load() {
		n.applied.Store(index)
	}
	if n.appliedC != nil {
		close(n.appliedC)
		n.appliedC = nil
	}
}

// waitApplied waits until the state machine has applied index.
func (n *Node) waitApplied(ctx context.Context, index uint64) error {
	for {
		n.amu.Lock()
		if n.applied.Load() >= index {
			n.amu.Unlock()
			return nil
		}
		if n.appliedC == nil {
			n.appliedC = make(chan struct{})
		}
		ch := n.appliedC
		n.amu.Unlock()
		select {
		case <-ch:
		case <-n.stop:
			return ErrClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// AppliedIndex returns the last log index applied to this node's state
// machine.
func (n *Node) AppliedIndex() uint64 { return n.applied.Load() }

// Leader returns the ID and address of the leader this node knows of;
// both empty during an election.
func (n *Node) Leader() (id, addr string) {
	r := n.raft()
	if r == nil {
		return "", ""
	}
	a, i := r.LeaderWithID()
	return string(i), string(a)
}

// IsLeader reports whether this node is the leader now. It may already
// be stale when it returns.
func (n *Node) IsLeader() bool { return n.leaderTerm() != 0 }

// LeaderCh delivers true when this node becomes leader and has reconciled
// (its Reconcile deliveries are queued), and false when it loses
// leadership. It keeps only the latest transition: a slow receiver misses
// intermediate ones, so check IsLeader after receiving.
func (n *Node) LeaderCh() <-chan bool { return n.leaderCh }

// Sync waits until every Delivery queued so far has been handed to
// Config.Deliver and Deliver has returned, so a host can read stores fed
// by Deliver. It must not be called from Deliver. ctx bounds the wait.
func (n *Node) Sync(ctx context.Context) error { return n.dq.sync(ctx) }

// Close shuts raft down (without leaving the cluster), stops the deadline
// timer, hands over what is queued for Deliver (waiting for a Deliver in
// progress), stops the node's goroutines and closes the stores. It must
// not be called from Deliver, OnApply or OnRestore, which it waits for. It
// is idempotent; later calls return ErrClosed where they need the node.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		n.closed.Store(true)
		if r := n.raft(); r != nil {
			n.closeErr = r.Shutdown().Error()
		}
		n.closeAll()
	})
	return n.closeErr
}

// closeAll stops the goroutines and closes the transport and stores.
func (n *Node) closeAll() {
	close(n.stop)
	if n.started {
		n.wg.Wait()
		n.dq.close()
	}
	if c, ok := n.trans.(interface{ Close() error }); ok && n.cfg.transport == nil {
		_ = c.Close()
	}
	if n.probes != nil {
		_ = n.probes.Close()
	}
	n.closeStores()
}

func (n *Node) closeStores() {
	if n.bolt != nil {
		_ = n.bolt.Close()
		n.bolt = nil
	}
}
