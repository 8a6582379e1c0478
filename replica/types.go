package replica

import (
	"errors"
	"fmt"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
)

// Errors returned by a [Node], to test with errors.Is.
var (
	// ErrNotLeader: the node is not the leader, or lost leadership before
	// the command committed. The error is a *[NotLeaderError].
	ErrNotLeader = errors.New("replica: not the leader")
	// ErrUnknownWorkspace: no command has named the workspace yet.
	ErrUnknownWorkspace = errors.New("replica: unknown workspace")
	// ErrInvalidConfig: a Config that cannot work.
	ErrInvalidConfig = errors.New("replica: invalid config")
	// ErrClosed: the node was closed.
	ErrClosed = errors.New("replica: node is closed")
	// ErrBadEntry: a log entry that does not decode (it changes nothing).
	ErrBadEntry = errors.New("replica: bad log entry")
	// ErrBadSnapshot: a snapshot that does not decode or that
	// assign.Restore refuses; the state machine keeps its state.
	ErrBadSnapshot = errors.New("replica: bad snapshot")
)

// NotLeaderError is returned by calls that need the leader, on another
// node or after leadership was lost. LeaderID and LeaderAddr name the
// leader this node knows of; both are empty during an election.
//
// When it is returned by [Node.Do] with Uncertain set, leadership was lost
// after the command was appended: it may still commit under the next
// leader. A host that retries should make the retry harmless (the engine
// refuses a second PlaceCall or Answer for the same call).
type NotLeaderError struct {
	LeaderID   string
	LeaderAddr string
	Uncertain  bool
}

// Error describes the error.
func (e *NotLeaderError) Error() string {
	s := "replica: not the leader"
	if e.LeaderID != "" {
		s += fmt.Sprintf("; leader is %s at %s", e.LeaderID, e.LeaderAddr)
	}
	if e.Uncertain {
		s += "; the command may still commit"
	}
	return s
}

// Unwrap makes errors.Is(err, ErrNotLeader) hold.
func (e *NotLeaderError) Unwrap() error { return ErrNotLeader }

// Applied is one applied log entry, as [Config.OnApply] sees it on every
// node, after the state machine has applied it and released its lock.
type Applied struct {
	Workspace WorkspaceID
	// Index is the raft log index.
	Index uint64
	// Command is as stamped by the leader, with At clamped to at least the
	// engine's time before the command (what the engine saw).
	Command assign.Command
	// Err is the engine's error for this command (nil if applied), or an
	// error wrapping ErrBadEntry.
	Err error
	// Ready is what the command produced (events and effects). Its slices
	// are the receiver's: it may keep them after OnApply returns.
	Ready assign.Ready
	// Meta marks an entry that changed only the workspace's meta store
	// ([Node.PutMeta]): Command and Ready are zero. It is handed over so
	// that a host sees every index in order.
	Meta bool
}

// EffectID identifies one effect across the cluster: the log index of the
// entry that produced it and its position in that entry's effects. A
// leader that delivers the same entry again (after a change of leader)
// gives it the same ID, so a host can make effects idempotent.
type EffectID struct {
	Index   uint64
	Ordinal int
}

// ID returns the stable ID of d.Effects[i]. A Reconcile delivery's
// effects restate the state rather than new effects: their IDs may repeat
// those of an ordinary delivery at the same Index, so a host matches
// reconcile Rings by call and teammate, not by ID.
func (d Delivery) ID(i int) EffectID { return EffectID{Index: d.Index, Ordinal: i} }

// Delivery is what [Config.Deliver] receives on the leader.
//
// An ordinary delivery carries the effects and events of the command at
// log Index, once committed and applied: the host carries out the effects
// in order (ring a phone, stop ringing, deflect, reassign replies).
//
// A Reconcile delivery is handed over on gaining leadership, after a
// Barrier (so every command of earlier leaders is applied), once per
// workspace, with Index the last applied index. Its Effects are the state
// as effects: one Ring, with Until the ring's deadline, for every call
// ringing in that workspace, and nothing else; Events is empty. The host
// must make its telephony match that list: ring each listed teammate for
// the listed call if that phone is not already ringing for it, and stop
// every phone it has ringing for the workspace that the list does not
// name. Effects of commands the former leader committed but had not
// delivered are not handed over otherwise: a missed StopRinging is covered
// by the reconcile; a Deflect or ReassignReplies of such a command is
// visible to every node's OnApply.
type Delivery struct {
	Workspace WorkspaceID
	Index     uint64
	// Reconcile marks a delivery made on gaining leadership.
	Reconcile bool
	// Trace is the trace the command was submitted with ([WithTrace]),
	// "" if none and for a Reconcile delivery: the host passes it to the
	// logs of the command's effects.
	Trace string
	// Effects are owned by the receiver.
	Effects []assign.Effect
	// Events are owned by the receiver.
	Events []eventlog.Event
}
