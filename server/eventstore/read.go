package eventstore

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	bolt "go.etcd.io/bbolt"
)

// scanChunk is how many events Replay and Export read per read
// transaction: a long transaction would keep bbolt from reusing freed
// pages and hold up a writer that must grow the file's mapping.
var scanChunk = 4096

// Timeline returns the events of call in workspace ws in Seq order, nil if there are
// none (or Prune deleted them all). It reads the call's index entries and
// its events only: its cost grows with the store's size only through the
// depth of bbolt's B+trees (logarithmic). A
// corrupt event or an index entry naming no event is a *CorruptError.
// Safe for concurrent use.
//
// Index entries of another call whose ID starts with call and a zero byte
// share the prefix and are skipped (their key is longer).
func (s *Store) Timeline(ws string, call pb.CallID) ([]eventlog.Event, error) {
	if call == "" {
		return nil, nil // events without a call are not indexed
	}
	prefix := callPrefix(call)
	var out []eventlog.Event
	err := s.view(func(tx *bolt.Tx) error {
		b, ok, err := wsBuckets(tx, ws, false)
		if err != nil || !ok {
			return err
		}
		events := b.events
		c := b.byCall.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) != len(prefix)+8 {
				continue
			}
			seq := k[len(prefix):]
			v := events.Get(seq)
			if v == nil {
				return &CorruptError{Bucket: bucketByCallName, Key: clone(k), Err: errDangling}
			}
			ev, err := decodeEvent(seq, v)
			if err != nil {
				return err
			}
			if ev.Call != call {
				return &CorruptError{Bucket: bucketByCallName, Key: clone(k),
					Err: fmt.Errorf("index entry names event %d of call %q", ev.Seq, ev.Call)}
			}
			out = append(out, ev)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Replay calls fn with every stored event of every workspace, workspace
// after workspace (in the order of [Store.Workspaces]), each in Seq order
// (to rebuild what is folded from them). It reads in chunks of a few thousand events, each in
// its own read transaction, and calls fn outside them, so appends proceed
// meanwhile (the events they add after the current chunk are replayed
// too). It stops at fn's first error, or at a corrupt record
// (*CorruptError), and returns it. Safe for concurrent use.
func (s *Store) Replay(fn func(ws string, ev eventlog.Event) error) error {
	for _, ws := range s.Workspaces() {
		if err := s.replay(ws, func(ev eventlog.Event) error { return fn(ws, ev) }); err != nil {
			return err
		}
	}
	return nil
}

// replay calls fn with every stored event of ws, as Replay does.
func (s *Store) replay(ws string, fn func(eventlog.Event) error) error {
	var next []byte // the smallest key not yet replayed; nil: the first
	for {
		chunk := make([]eventlog.Event, 0, scanChunk)
		err := s.view(func(tx *bolt.Tx) error {
			b, ok, err := wsBuckets(tx, ws, false)
			if err != nil || !ok {
				return err
			}
			c := b.events.Cursor()
			k, v := c.First()
			if next != nil {
				k, v = c.Seek(next)
			}
			for ; k != nil && len(chunk) < scanChunk; k, v = c.Next() {
				ev, err := decodeEvent(k, v)
				if err != nil {
					return err
				}
				chunk = append(chunk, ev)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, ev := range chunk {
			if err := fn(ev); err != nil {
				return err
			}
		}
		if len(chunk) < scanChunk {
			return nil
		}
		last := chunk[len(chunk)-1].Seq
		if last == ^uint64(0) {
			return nil
		}
		next = u64(last + 1)
	}
}

// Export writes every stored event of workspace ws to w as JSON lines (eventlog.JSONLines'
// encoding, the format of the old events.jsonl), in Seq order, reading as
// [Store.Replay] does. A corrupt record stops it with a *CorruptError;
// what was written until then is a prefix of the events. Safe for
// concurrent use.
func (s *Store) Export(ws string, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	sink := eventlog.NewJSONLines(bw)
	if err := s.replay(ws, sink.Write); err != nil {
		bw.Flush()
		return err
	}
	return bw.Flush()
}
