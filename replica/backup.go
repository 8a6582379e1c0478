package replica

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/hashicorp/raft"
)

// Capture encodes the state machine as a snapshot (the encoding raft's
// snapshots use, which [InstallSnapshot] takes) at the index it has
// applied, and while the state machine is held at that index calls
// hold(index): there the host makes its derived stores consistent with
// the capture (waits until they consumed index, begins a read of them).
// Nothing is applied on this node, and views wait, until hold returns,
// so hold must be short and must not call the Node. The encoding runs
// after the state machine is released. Safe for concurrent use.
func (n *Node) Capture(hold func(index uint64) error) (snapshot []byte, index uint64, err error) {
	if n.closed.Load() {
		return nil, 0, ErrClosed
	}
	n.fsm.mu.Lock()
	s := n.fsm.captureLocked()
	if hold != nil {
		err = hold(s.file.Index)
	}
	n.fsm.mu.Unlock()
	if err != nil {
		return nil, 0, err
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(s.file); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), s.file.Index, nil
}

// ErrNotEmpty is returned by [InstallSnapshot] for a data directory that
// holds raft state already.
var ErrNotEmpty = errors.New("replica: the data directory holds raft state")

// InstallSnapshot prepares dir, which must hold no raft state, as the
// data directory of a new cluster of one: a node opened on it with the
// same NodeID (and RaftAddr, in cluster mode: raftAddr; "" for one node
// without a network, whose address is its NodeID) starts from snapshot
// (made by [Node.Capture]) as its only voter, elects itself, and takes
// new members with [Node.Join]. It validates the snapshot first and
// returns the index it covers.
func InstallSnapshot(dir, nodeID, raftAddr string, snapshot []byte) (uint64, error) {
	file, _, err := decodeSnapshot(bytes.NewReader(snapshot))
	if err != nil {
		return 0, err
	}
	if nodeID == "" {
		nodeID = "node-1"
	}
	addr := raftAddr
	if addr == "" {
		addr = nodeID // the in-memory transport's address of one node
	}
	for _, name := range []string{"raft.db", "snapshots"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return 0, fmt.Errorf("%w: %s", ErrNotEmpty, filepath.Join(dir, name))
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(dir, 2, newHCLogger(slog.Default()))
	if err != nil {
		return 0, err
	}
	// The index is the state machine's; term 1 starts the new cluster's
	// history (its first election makes term 2).
	index := max(file.Index, 1)
	conf := raft.Configuration{Servers: []raft.Server{{Suffrage: raft.Voter, ID: raft.ServerID(nodeID), Address: raft.ServerAddress(addr)}}}
	// The peers' encoding (the legacy peers field) is the address, as
	// every raft transport encodes it.
	_, trans := raft.NewInmemTransport(raft.ServerAddress(addr))
	defer trans.Close()
	sink, err := snaps.Create(raft.SnapshotVersionMax, index, 1, conf, index, trans)
	if err != nil {
		return 0, err
	}
	if _, err := sink.Write(snapshot); err != nil {
		_ = sink.Cancel()
		return 0, err
	}
	if err := sink.Close(); err != nil {
		return 0, err
	}
	return file.Index, nil
}
