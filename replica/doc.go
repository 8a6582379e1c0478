// Package replica runs the balanced-assignment engine ([assign.Engine]) as
// a replicated state machine on hashicorp/raft, so that no queued or
// ringing call is lost when a process dies.
//
// A [Node] holds one engine per [WorkspaceID]. [Node.Do] stamps an
// [assign.Command] with the leader's clock, appends it to the raft log and
// returns the engine's error and [assign.Ready] once the command is
// committed and applied on the leader. Every node applies the same log in
// the same order with the same times, so every node holds the same engines.
//
// Time: only the leader reads a clock. The engine sees
// max(engine now, entry time), so a clock stepped back, or a new leader
// whose clock lags, never reaches the engine. Deadlines (ring timeouts,
// exclusions, wrap-ups, holds) are data in the engines; only the leader
// arms a timer, for the earliest deadline of any workspace, and then
// proposes an Advance. The engine dates what fires at the deadline itself,
// so a miss after an election gap is still logged at exactly the ring's
// start plus the ring timeout.
//
// Effects: every node computes them, only the leader hands them to
// Config.Deliver, after commit and in log order, each with a stable
// [EffectID]. On gaining leadership, after a raft Barrier, the leader hands
// the host one Reconcile [Delivery] per workspace listing every ring the
// state implies; see [Delivery] for what a host must do with it.
//
// Durability: by default ([Open] with Config.Dir) a node is a one-node
// cluster that bootstraps itself on a data directory (a bolt log and stable
// store synced on every write, and a file snapshot store). With
// Config.RaftAddr it joins a cluster over raft's TCP transport, optionally
// with TLS.
package replica
