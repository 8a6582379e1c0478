package eventstore

import (
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/phonebalance/phonebalance/eventlog"
	bolt "go.etcd.io/bbolt"
)

// LegacyWorkspace is the workspace whose events a store keeps in its
// top-level buckets: the one workspace of the servers that wrote format 1,
// so their stores open as they are. Every other workspace has buckets of
// its own under "workspaces".
const LegacyWorkspace = "default"

// MaxWorkspace is the longest workspace ID the store takes (in bytes).
const MaxWorkspace = 256

// ErrBadWorkspace is returned for an empty, too long or invalid UTF-8
// workspace ID.
var ErrBadWorkspace = errors.New("eventstore: invalid workspace ID")

var bucketWorkspaces = []byte("workspaces")

// part is what the store keeps in memory of one workspace's events.
type part struct {
	lastSeq uint64
	count   int
	// recent is a ring of the latest events, oldest at head once it holds
	// Config.Memory events (it grows to that).
	recent []eventlog.Event
	head   int
}

// checkWorkspace validates a workspace ID.
func checkWorkspace(ws string) error {
	if ws == "" || len(ws) > MaxWorkspace || !utf8.ValidString(ws) {
		return fmt.Errorf("%w: %q", ErrBadWorkspace, ws)
	}
	return nil
}

// buckets are a workspace's buckets in one transaction: its events, its
// call index, and the bucket holding its last_seq and count.
type buckets struct {
	events, byCall, meta *bolt.Bucket
}

// wsBuckets returns ws's buckets in tx, creating them when create is set
// (tx writable); ok is false when they do not exist.
func wsBuckets(tx *bolt.Tx, ws string, create bool) (b buckets, ok bool, err error) {
	if ws == LegacyWorkspace {
		return buckets{tx.Bucket(bucketEvents), tx.Bucket(bucketByCall), tx.Bucket(bucketMeta)}, true, nil
	}
	all := tx.Bucket(bucketWorkspaces)
	if all == nil {
		if !create {
			return b, false, nil
		}
		if all, err = tx.CreateBucket(bucketWorkspaces); err != nil {
			return b, false, err
		}
	}
	w := all.Bucket([]byte(ws))
	if w == nil {
		if !create {
			return b, false, nil
		}
		if w, err = all.CreateBucket([]byte(ws)); err != nil {
			return b, false, err
		}
		for _, name := range [][]byte{bucketEvents, bucketByCall, bucketMeta} {
			if _, err := w.CreateBucket(name); err != nil {
				return b, false, err
			}
		}
		if err := putCounters(w.Bucket(bucketMeta), 0, 0); err != nil {
			return b, false, err
		}
	}
	b = buckets{w.Bucket(bucketEvents), w.Bucket(bucketByCall), w.Bucket(bucketMeta)}
	if b.events == nil || b.byCall == nil || b.meta == nil {
		return b, false, &CorruptError{Bucket: "workspaces/" + ws, Err: errors.New("a bucket is missing")}
	}
	return b, true, nil
}

// putCounters writes a workspace's last_seq and count.
func putCounters(meta *bolt.Bucket, lastSeq uint64, count int) error {
	if err := meta.Put(keyLastSeq, u64(lastSeq)); err != nil {
		return err
	}
	return meta.Put(keyCount, u64(uint64(count)))
}

// workspaceIDs returns the workspaces with buckets in tx: LegacyWorkspace
// first, then the others in byte order.
func workspaceIDs(tx *bolt.Tx) []string {
	ids := []string{LegacyWorkspace}
	if all := tx.Bucket(bucketWorkspaces); all != nil {
		_ = all.ForEach(func(k, v []byte) error {
			if v == nil { // a nested bucket
				ids = append(ids, string(k))
			}
			return nil
		})
	}
	return ids
}

// part returns ws's partition, creating an empty one. s.mu is held.
func (s *Store) part(ws string) *part {
	p := s.parts[ws]
	if p == nil {
		p = &part{}
		s.parts[ws] = p
	}
	return p
}

// Workspaces returns the workspaces the store holds events of (at least
// LegacyWorkspace), LegacyWorkspace first then in byte order. It never
// blocks on disk.
func (s *Store) Workspaces() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.parts))
	for ws := range s.parts {
		if ws != LegacyWorkspace {
			ids = append(ids, ws)
		}
	}
	slices.Sort(ids)
	return append([]string{LegacyWorkspace}, ids...)
}
