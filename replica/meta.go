package replica

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/phonebalance/phonebalance/assign"
)

// The meta store: besides the engines, the state machine keeps, per
// workspace, named buckets of key -> bytes (credentials' hashes,
// idempotency records, settings a host keeps with the cluster). It changes
// only through the raft log ([Node.PutMeta], [Node.DeleteMeta]), is part of
// every snapshot, and is the same on every node once it has applied the
// same index. A meta write never creates a workspace's engine.

// Limits of the meta store, checked before a write reaches the log.
const (
	// MaxMetaBucket is the longest bucket name, in bytes.
	MaxMetaBucket = 64
	// MaxMetaKey is the longest key, in bytes.
	MaxMetaKey = 512
	// MaxMetaValue is the largest value, in bytes (64 KiB).
	MaxMetaValue = 64 << 10
	// MaxMetaList is the most items ListMeta returns at once.
	MaxMetaList = 1000
)

// ErrInvalidMeta: a meta write or read with an empty or oversized
// workspace, bucket, key or value. It also matches
// assign.ErrInvalidArgument, so a host's error table answers 400.
var ErrInvalidMeta = errors.New("replica: invalid meta store argument")

// MetaItem is one key of a bucket and its value.
type MetaItem struct {
	Key   string
	Value []byte
}

// metaOp is one change of the meta store inside a log entry: a put, or a
// delete when Delete is set.
type metaOp struct {
	Bucket string `json:"b"`
	Key    string `json:"k"`
	Value  []byte `json:"v,omitempty"`
	Delete bool   `json:"d,omitempty"`
}

// metaStore is the state machine's meta data: workspace -> bucket -> key
// -> value. Values are never changed in place (a put stores a new slice),
// so a snapshot may share them, and readers get copies. Guarded by fsm.mu.
type metaStore map[WorkspaceID]map[string]map[string][]byte

func checkMetaName(what, s string, limit int) error {
	if s == "" {
		return fmt.Errorf("%w: %w: empty %s", ErrInvalidMeta, assign.ErrInvalidArgument, what)
	}
	if len(s) > limit {
		return fmt.Errorf("%w: %w: %s longer than %d bytes", ErrInvalidMeta, assign.ErrInvalidArgument, what, limit)
	}
	return nil
}

// check validates op before it is written to the log.
func (op metaOp) check() error {
	if err := checkMetaName("bucket", op.Bucket, MaxMetaBucket); err != nil {
		return err
	}
	if err := checkMetaName("key", op.Key, MaxMetaKey); err != nil {
		return err
	}
	if len(op.Value) > MaxMetaValue {
		return fmt.Errorf("%w: %w: value of %d bytes, more than %d", ErrInvalidMeta, assign.ErrInvalidArgument, len(op.Value), MaxMetaValue)
	}
	return nil
}

// apply carries out op for ws. A put keeps op.Value, which the caller
// hands over: every caller's is fresh (decoded from the log entry, or
// just encoded), so it is not copied again.
func (m metaStore) apply(ws WorkspaceID, op metaOp) {
	buckets := m[ws]
	if op.Delete {
		b := buckets[op.Bucket]
		delete(b, op.Key)
		if len(b) == 0 {
			delete(buckets, op.Bucket)
		}
		if len(buckets) == 0 {
			delete(m, ws)
		}
		return
	}
	if buckets == nil {
		buckets = map[string]map[string][]byte{}
		m[ws] = buckets
	}
	b := buckets[op.Bucket]
	if b == nil {
		b = map[string][]byte{}
		buckets[op.Bucket] = b
	}
	b[op.Key] = op.Value
}

// clone copies the maps (not the values, which are never changed in place).
func (m metaStore) clone() metaStore {
	out := make(metaStore, len(m))
	for ws, buckets := range m {
		c := make(map[string]map[string][]byte, len(buckets))
		for name, b := range buckets {
			c[name] = maps.Clone(b)
		}
		out[ws] = c
	}
	return out
}

// validate refuses a decoded snapshot's meta data that no write could
// have produced.
func (m metaStore) validate() error {
	for ws, buckets := range m {
		if ws == "" {
			return errors.New("meta store: empty workspace")
		}
		for name, b := range buckets {
			for k, v := range b {
				if err := (metaOp{Bucket: name, Key: k, Value: v}).check(); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// PutMeta sets key in the workspace's bucket to value, through the log: it
// returns once the write is applied on this (leader) node, and every node
// applies it at the same index. The workspace's engine is not created.
// Empty or oversized arguments get ErrInvalidMeta (and
// assign.ErrInvalidArgument) before anything is written. On a follower the
// error is a *[NotLeaderError]. ctx bounds the wait; when it expires the
// write may still commit. Safe for concurrent use.
func (n *Node) PutMeta(ctx context.Context, ws WorkspaceID, bucket, key string, value []byte) error {
	return n.writeMeta(ctx, ws, metaOp{Bucket: bucket, Key: key, Value: value})
}

// DeleteMeta removes key from the workspace's bucket, through the log, as
// PutMeta does; deleting a key that is absent is not an error. Safe for
// concurrent use.
func (n *Node) DeleteMeta(ctx context.Context, ws WorkspaceID, bucket, key string) error {
	return n.writeMeta(ctx, ws, metaOp{Bucket: bucket, Key: key, Delete: true})
}

func (n *Node) writeMeta(ctx context.Context, ws WorkspaceID, op metaOp) error {
	if err := checkMetaName("workspace", string(ws), MaxMetaKey); err != nil {
		return err
	}
	if err := op.check(); err != nil {
		return err
	}
	r, err := n.leaderRaft()
	if err != nil {
		return err
	}
	data, err := encodeEntry(entry{Workspace: ws, Meta: []metaOp{op}})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidMeta, err)
	}
	res, err := n.commit(ctx, r, data)
	if err != nil {
		return err
	}
	return res.err
}

// GetMeta returns the value of key in the workspace's bucket on this
// node's state (possibly stale on a follower; never blocked by the
// network), and whether it is there. The slice is the caller's. Safe for
// concurrent use.
func (n *Node) GetMeta(ws WorkspaceID, bucket, key string) ([]byte, bool) {
	n.fsm.mu.Lock()
	defer n.fsm.mu.Unlock()
	v, ok := n.fsm.meta[ws][bucket][key]
	return slices.Clone(v), ok
}

// ListMeta returns up to limit items of the workspace's bucket whose keys
// sort after after (all from the start when after is empty), in key
// order, on this node's state. limit is clamped to 1..MaxMetaList. It is
// a cursor: pass the last key returned to get the next page. Safe for
// concurrent use; it sorts the bucket's keys, so it costs O(n log n) in
// the bucket's size.
func (n *Node) ListMeta(ws WorkspaceID, bucket, after string, limit int) []MetaItem {
	limit = min(max(limit, 1), MaxMetaList)
	n.fsm.mu.Lock()
	defer n.fsm.mu.Unlock()
	b := n.fsm.meta[ws][bucket]
	keys := make([]string, 0, len(b))
	for k := range b {
		if k > after {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, strings.Compare)
	out := make([]MetaItem, 0, min(limit, len(keys)))
	for _, k := range keys[:min(limit, len(keys))] {
		out = append(out, MetaItem{Key: k, Value: slices.Clone(b[k])})
	}
	return out
}
