package eventstore_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/eventstore"
	bolt "go.etcd.io/bbolt"
)

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// tamper closes nothing: it opens the closed store's file with bbolt and
// runs fn on it in a write transaction.
func tamper(t *testing.T, dir string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(dir+"/"+eventstore.FileName, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// storeOf4 closes a store holding two calls, c1 (seq 1, 2) and c2 (seq
// 3, 4), and returns its directory.
func storeOf4(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s := open(t, eventstore.Config{Dir: dir, Memory: 1})
	mustAppend(t, s, eventstore.Entry{Index: 1, Workspace: ws, Events: append(callEvents(1, "c1"), callEvents(3, "c2")...)})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// wantCorrupt checks err is a *CorruptError naming bucket and a key that
// the message shows.
func wantCorrupt(t *testing.T, what string, err error, bucket string, key []byte) {
	t.Helper()
	var ce *eventstore.CorruptError
	if !errors.Is(err, eventstore.ErrCorrupt) || !errors.As(err, &ce) {
		t.Fatalf("%s: %v, want a corrupt record error", what, err)
	}
	if ce.Bucket != bucket || !bytes.Equal(ce.Key, key) || !strings.Contains(err.Error(), bucket) {
		t.Fatalf("%s: %v names bucket %q key %q, want %q %q", what, err, ce.Bucket, ce.Key, bucket, key)
	}
}

// An undecodable event is a loud error from every read that meets it,
// naming its key; nothing is skipped or deleted, and the other calls'
// timelines still read.
func TestEventsCorruptValueIsLoud(t *testing.T) {
	dir := storeOf4(t)
	tamper(t, dir, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("events")).Put(seqKey(2), []byte(`{"seq":2,"at":"2026-`))
	})
	s := open(t, eventstore.Config{Dir: dir, Memory: 1}) // the latest event, seq 4, is sound
	_, err := s.Timeline(ws, "c1")
	wantCorrupt(t, "timeline", err, "events", seqKey(2))
	if !strings.Contains(err.Error(), "seq 2") {
		t.Fatalf("message does not give the seq: %v", err)
	}
	wantCorrupt(t, "replay", s.Replay(func(string, eventlog.Event) error { return nil }), "events", seqKey(2))
	var out bytes.Buffer
	wantCorrupt(t, "export", s.Export(ws, &out), "events", seqKey(2))
	if tl, err := s.Timeline(ws, "c2"); err != nil || len(tl) != 2 {
		t.Fatalf("timeline of the sound call: %v %v", tl, err)
	}
	if s.Len(ws) != 4 {
		t.Fatalf("len %d: something was deleted", s.Len(ws))
	}
	s.Close()
	s = open(t, eventstore.Config{Dir: dir, Memory: 1, Retention: time.Hour})
	n, err := s.Prune(t0.Add(10 * time.Hour))
	wantCorrupt(t, "prune", err, "events", seqKey(2))
	if n != 0 || s.Len(ws) != 4 {
		t.Fatalf("prune past a corrupt record deleted %d, len %d", n, s.Len(ws))
	}
	// A value that decodes but is another event, or has no kind.
	s.Close()
	tamper(t, dir, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("events")).Put(seqKey(2), []byte(`{"seq":7,"at":"2026-11-24T09:00:00Z","kind":"call_ended"}`))
	})
	s = open(t, eventstore.Config{Dir: dir, Memory: 1})
	_, err = s.Timeline(ws, "c1")
	wantCorrupt(t, "timeline of a moved event", err, "events", seqKey(2))
}

// A key of the events bucket that is not 8 bytes is a loud error.
func TestEventsCorruptKeyIsLoud(t *testing.T) {
	dir := storeOf4(t)
	tamper(t, dir, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("events")).Put([]byte{0}, []byte(`{}`)) // sorts first
	})
	s := open(t, eventstore.Config{Dir: dir, Memory: 1})
	wantCorrupt(t, "replay", s.Replay(func(string, eventlog.Event) error { return nil }), "events", []byte{0})
	// Within the recent window it stops Open itself.
	s.Close()
	tamper(t, dir, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("events")).Put([]byte("xyz"), []byte(`{}`)) // sorts last
	})
	if _, err := eventstore.Open(eventstore.Config{Dir: dir}); err == nil {
		t.Fatal("open read a corrupt recent event")
	} else {
		wantCorrupt(t, "open", err, "events", []byte("xyz"))
	}
}

// An index entry naming an event that is not stored is a loud error.
func TestEventsDanglingIndexIsLoud(t *testing.T) {
	dir := storeOf4(t)
	key := append([]byte("c1\x00"), seqKey(9)...)
	tamper(t, dir, func(tx *bolt.Tx) error { return tx.Bucket([]byte("by_call")).Put(key, nil) })
	s := open(t, eventstore.Config{Dir: dir})
	_, err := s.Timeline(ws, "c1")
	wantCorrupt(t, "timeline", err, "by_call", key)
}

// Bad meta data stops Open: a missing or short counter, a last seq below
// a stored event, an unknown format version, a missing bucket.
func TestEventsCorruptMetaStopsOpen(t *testing.T) {
	for name, c := range map[string]struct {
		fn     func(tx *bolt.Tx) error
		bucket string
		key    []byte
		is     error
	}{
		"short applied": {fn: func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("applied"), []byte{1}) },
			bucket: "meta", key: []byte("applied")},
		"no count": {fn: func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Delete([]byte("count")) },
			bucket: "meta", key: []byte("count")},
		"last seq behind": {fn: func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("last_seq"), seqKey(3)) },
			bucket: "meta", key: []byte("last_seq")},
		"no index": {fn: func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("by_call")) },
			bucket: "by_call"},
		"bad gap": {fn: func(tx *bolt.Tx) error { return tx.Bucket([]byte("gaps")).Put([]byte("g"), []byte("{")) },
			bucket: "gaps", key: []byte("g")},
		"version": {fn: func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("version"), seqKey(99)) },
			is: eventstore.ErrVersion},
	} {
		t.Run(name, func(t *testing.T) {
			dir := storeOf4(t)
			tamper(t, dir, c.fn)
			s, err := eventstore.Open(eventstore.Config{Dir: dir})
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if c.is != nil {
				if !errors.Is(err, c.is) {
					t.Fatalf("open: %v, want %v", err, c.is)
				}
				return
			}
			wantCorrupt(t, "open", err, c.bucket, c.key)
		})
	}
}
