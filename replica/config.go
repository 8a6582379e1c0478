package replica

import (
	"crypto/tls"
	"fmt"
	"log/slog"

	"github.com/benbjohnson/clock"
	"github.com/hashicorp/raft"
	"github.com/phonebalance/phonebalance/assign"
)

// WorkspaceID names one workspace's engine inside a replica. Engines are
// created lazily by the state machine, with the leader's Config.Engine, on
// the first command naming a new workspace. The empty ID is invalid.
type WorkspaceID string

// Config configures a [Node]. Only Dir (or InMemory) is required.
type Config struct {
	// Dir is the data directory: the bolt log and stable store (raft.db,
	// fsynced on every write) and the file snapshot store (snapshots/).
	// Required unless InMemory.
	Dir string
	// InMemory keeps the log, stable store and snapshots in memory: for
	// tests; nothing survives Close.
	InMemory bool
	// NodeID is the raft server ID; default "node-1". It must stay the same
	// across restarts on the same Dir.
	NodeID string
	// RaftAddr is "" for one node that bootstraps itself and uses no
	// network; otherwise the TCP address raft binds (cluster mode), such as
	// "10.0.0.5:7000" or "127.0.0.1:0" in tests.
	RaftAddr string
	// Advertise is the address peers dial; default the address RaftAddr
	// bound. It must not be an unspecified address such as 0.0.0.0.
	Advertise string
	// Bootstrap, in cluster mode, makes this node bootstrap a new cluster
	// of itself alone, if its Dir holds no raft state yet (the first node).
	// The others start without it and are added with [Node.Join] on the
	// leader.
	Bootstrap bool
	// TLS, in cluster mode, wraps raft's TCP transport in TLS: the config
	// serves the listener and dials peers, so it needs Certificates, a
	// RootCAs pool that verifies the peers, ClientCAs with ClientAuth set
	// to tls.RequireAndVerifyClientCert for mutual authentication, and a
	// ServerName (or per-peer verification) that the peers' certificates
	// carry. [MutualTLS] makes one from PEM files, re-read when they
	// change. Without TLS, raft's traffic is neither encrypted nor
	// authenticated: keep it on a private network.
	TLS *tls.Config
	// Engine is the engine config of the workspaces this node creates
	// while it leads. The command that creates a workspace carries the
	// leader's config in the log, so every node creates that engine
	// alike; an existing workspace keeps its config across restarts and
	// changes of leader, whatever later nodes are given.
	Engine assign.Config
	// EngineFor, if set, gives the config a new workspace's engine is
	// created with instead of Engine (a host keeping settings per
	// workspace). The leader calls it when it proposes the workspace's
	// first command, outside the state machine's lock, and the result
	// travels in that log entry like Engine's. It must be safe for
	// concurrent use and quick.
	EngineFor func(ws WorkspaceID) assign.Config
	// Clock is the leader's clock, for stamping commands and arming the
	// deadline timer; nil means the real clock. Raft's own heartbeats and
	// elections always run on the real clock.
	Clock clock.Clock
	// Logger receives the node's warnings and errors, raft's errors (at
	// Warn) and raft's warnings (at Debug: elections and lost contact are
	// routine); nil means slog.Default().
	Logger *slog.Logger
	// OnApply runs on EVERY node, on raft's state machine goroutine, for
	// each applied command in log order, also when the log is replayed at
	// start (see [Node] for replay). It runs after the state machine has
	// applied the entry and released its lock, so a slow OnApply never
	// blocks a View, but it does hold up the application of later entries
	// (hand the work to a goroutine of your own to avoid that). On the
	// leader, an entry's Delivery is queued for Deliver after its OnApply
	// returns. It must not call the Node. Applied.Ready is the receiver's
	// to keep. A panic in OnApply is recovered and logged.
	OnApply func(Applied)
	// OnRestore runs on every node after its state machine was replaced by
	// a snapshot (at start, or a follower installing one from the leader),
	// with the index of the last entry the snapshot covers that reached the
	// state machine (OnApply then continues after it); hosts rebuild derived stores
	// (a metrics fold, a timeline) from their own durable data. It runs on
	// raft's goroutine and must not call the Node.
	OnRestore func(index uint64)
	// Deliver runs ONLY on the leader, after commit, in log order, on the
	// Node's own goroutine, never under its lock: it may call back into the
	// Node (Do, View). Effects[i] has the stable ID {Index, i}. A Deliver
	// that blocks holds up later deliveries, not commands. A panic in
	// Deliver is recovered and logged.
	Deliver func(Delivery)
	// TuneRaft, if set, adjusts raft's config after the node's defaults
	// are applied (timeouts, snapshot thresholds, batching). LocalID,
	// NotifyCh and Logger are the node's own and must not be changed.
	TuneRaft func(c *raft.Config)

	// transport replaces the transport, and logs, stable and snaps the
	// stores, for tests on raft's in-memory transport whose nodes restart
	// on the stores they had.
	transport raft.Transport
	logs      raft.LogStore
	stable    raft.StableStore
	snaps     raft.SnapshotStore
}

func (c *Config) fill() error {
	if c.Dir == "" && !c.InMemory {
		return fmt.Errorf("%w: Dir is required unless InMemory", ErrInvalidConfig)
	}
	if c.NodeID == "" {
		c.NodeID = "node-1"
	}
	if c.RaftAddr == "" && c.transport == nil && (c.Advertise != "" || c.Bootstrap || c.TLS != nil) {
		return fmt.Errorf("%w: Advertise, Bootstrap and TLS need RaftAddr", ErrInvalidConfig)
	}
	if _, err := assign.New(c.Engine); err != nil {
		return fmt.Errorf("%w: engine: %w", ErrInvalidConfig, err)
	}
	if c.Clock == nil {
		c.Clock = clock.New()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// single reports one-node mode: no network, bootstrapped on first start.
func (c *Config) single() bool { return c.RaftAddr == "" && c.transport == nil }
