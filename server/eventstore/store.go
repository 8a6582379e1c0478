// Package eventstore is the server's durable event store: every event the
// engine produced, kept in a bbolt file of the data directory (events.db),
// keyed by seq and indexed by call, so that a call's timeline costs O(its
// own events) whatever the store's size.
//
// The replica's log is the source of truth and the store is derived from
// it. The store remembers the last raft index it consumed (Applied),
// written in the same transaction as the events, so a consumer resumes
// from there after a crash or a restart; an event whose Seq is not above
// the last stored one is skipped, so a replay of the log adds nothing.
// When a node installs a snapshot past what it stored, [Store.MarkGap]
// records the missing range durably instead of leaving it silently out.
//
// A corrupt record is a loud [*CorruptError] naming its bucket and key;
// the store never truncates or skips it. Events older than the retention
// are deleted by [Store.Prune], which the caller runs (the store starts no
// goroutine and reads no clock). A store written as JSON lines by older
// versions (events.jsonl) is imported once at [Open].
//
// [Store.Export] writes the events as JSON lines for people who want a
// file (phonebalanced events export).
//
// # Layout
//
// Four bbolt buckets:
//
//	events   big-endian seq (8 bytes) -> the event, JSON as eventlog.JSONLines writes it
//	by_call  call ID, 0x00, big-endian seq -> empty (a prefix scan is the call's timeline)
//	meta     "version", "applied", "last_seq", "count" -> big-endian uint64
//	gaps     big-endian after, big-endian upto -> JSON of a Gap
//
// Values are JSON, the encoding of the export and of the old events.jsonl:
// self-describing (a field added to eventlog.Event later still reads),
// readable with bbolt's own tools, and cheap next to the fsync each Append
// costs (a few microseconds an event).
package eventstore

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
	bolt "go.etcd.io/bbolt"
)

// FileName is the store's file name in the data directory.
const FileName = "events.db"

// LegacyFileName is the JSON-lines file of older versions, imported by
// [Open] and then renamed with ImportedSuffix.
const LegacyFileName = "events.jsonl"

// ImportedSuffix is appended to LegacyFileName once it is imported.
const ImportedSuffix = ".imported"

// DefaultMemory is how many recent events [Store.Recent] serves from
// memory when Config.Memory is zero.
const DefaultMemory = 10000

// lockTimeout bounds the wait for the file lock at Open.
var lockTimeout = time.Second

// Config configures a [Store].
type Config struct {
	// Dir is the data directory; the store is Dir/events.db. Empty means a
	// private temporary file, removed at Close and never fsynced (tests,
	// in-memory nodes).
	Dir string
	// Retention is how long events are kept, by their time (Event.At):
	// [Store.Prune] deletes the older ones. Zero keeps them for ever.
	Retention time.Duration
	// Memory is how many of the latest events [Store.Recent] serves from
	// memory; zero or less means DefaultMemory.
	Memory int
	// ReadOnly opens an existing store for reading only (a shared lock:
	// other readers may open it too, the server may not while it is open);
	// it fails with ErrNotFound if there is none, and imports nothing.
	ReadOnly bool
}

// Gap is a range of raft entries whose events this node does not hold:
// the entries (After, Upto] were applied by a snapshot it installed, not
// one by one, so their events never reached the store.
type Gap struct {
	After  uint64 `json:"after"`
	Upto   uint64 `json:"upto"`
	Reason string `json:"reason"`
}

// Store is the event store. It is safe for concurrent use: writes
// (Append, MarkGap, Prune) are serialized, each one bbolt transaction or a
// few bounded ones; reads run in their own read transactions alongside
// them and see whole writes only.
type Store struct {
	db        *bolt.DB
	path      string
	tmpDir    string // removed at Close (Config.Dir empty)
	readOnly  bool
	retention time.Duration

	wmu sync.Mutex // serializes the writers and Close

	mu      sync.Mutex // guards what follows
	closed  bool
	applied uint64
	gaps    []Gap
	parts   map[string]*part // by workspace
	memory  int              // Config.Memory: each part's ring
}

// Open opens the store in cfg.Dir, creating it (and importing an old
// events.jsonl) if there is none. It fails with ErrLocked if another
// process holds the file after waiting a second, with a *CorruptError if
// the meta data, the gaps or one of the latest Memory events are corrupt,
// and with an *ImportError for a bad line of an old file. It reads the
// latest Memory events into memory.
func Open(cfg Config) (*Store, error) {
	if cfg.Retention < 0 {
		return nil, fmt.Errorf("eventstore: negative retention %v", cfg.Retention)
	}
	if cfg.Memory <= 0 {
		cfg.Memory = DefaultMemory
	}
	s := &Store{readOnly: cfg.ReadOnly, retention: cfg.Retention, parts: map[string]*part{}}
	dir := cfg.Dir
	if dir == "" {
		if cfg.ReadOnly {
			return nil, fmt.Errorf("%w: read-only needs a directory", ErrNotFound)
		}
		tmp, err := os.MkdirTemp("", "eventstore-")
		if err != nil {
			return nil, err
		}
		s.tmpDir, dir = tmp, tmp
	}
	s.path = filepath.Join(dir, FileName)
	err := s.open(dir, cfg)
	if err != nil {
		if s.db != nil {
			s.db.Close()
		}
		if s.tmpDir != "" {
			os.RemoveAll(s.tmpDir)
		}
		return nil, err
	}
	return s, nil
}

func (s *Store) open(dir string, cfg Config) error {
	if cfg.ReadOnly {
		if _, err := os.Stat(s.path); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w in %s (no %s)", ErrNotFound, dir, FileName)
		}
	} else if err := importLegacy(dir); err != nil {
		return err
	}
	db, err := openBolt(s.path, cfg.ReadOnly)
	if err != nil {
		return err
	}
	s.db = db
	// A private file is removed at Close: no commit of it needs to reach
	// the disk.
	db.NoSync = s.tmpDir != ""
	if !cfg.ReadOnly {
		if err := initStore(db); err != nil {
			return err
		}
	}
	s.memory = cfg.Memory
	return db.View(s.load)
}

// openBolt opens the bbolt file with a bounded wait for the lock. The
// freelist is written at every commit (bbolt's default) rather than
// rebuilt at open: rebuilding walks every page, seconds for a million
// events, while the list stays short when Prune runs often.
func openBolt(path string, readOnly bool) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      lockTimeout,
		ReadOnly:     readOnly,
		FreelistType: bolt.FreelistMapType,
	})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s (is phonebalanced running on this data directory?)", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("eventstore: %s: %w", path, err)
	}
	return db, nil
}

// initStore initializes a new store; an existing one is left as it is
// (without a write, which would cost a commit at every Open).
func initStore(db *bolt.DB) error {
	fresh := false
	if err := db.View(func(tx *bolt.Tx) error { fresh = tx.Bucket(bucketMeta) == nil; return nil }); err != nil || !fresh {
		return err
	}
	return db.Update(initBuckets)
}

// initBuckets creates the buckets and the meta data of a new store, and
// checks that an existing one has them all.
func initBuckets(tx *bolt.Tx) error {
	if tx.Bucket(bucketMeta) == nil {
		for _, name := range [][]byte{bucketEvents, bucketByCall, bucketGaps} {
			if tx.Bucket(name) != nil {
				return &CorruptError{Bucket: bucketMetaName, Err: errors.New("the meta bucket is missing but the store has events")}
			}
		}
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		for _, name := range [][]byte{bucketEvents, bucketByCall, bucketGaps} {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		if err := meta.Put(keyVersion, u64(FormatVersion)); err != nil {
			return err
		}
		if err := meta.Put(keyApplied, u64(0)); err != nil {
			return err
		}
		return putCounters(meta, 0, 0)
	}
	return nil
}

// load reads the meta data, the gaps and the latest events, checking
// each.
func (s *Store) load(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil && s.readOnly && tx.Bucket(bucketEvents) == nil {
		// Created, but the first transaction never committed.
		return fmt.Errorf("%w in %s (the file holds no buckets yet)", ErrNotFound, s.path)
	}
	for _, name := range []string{bucketMetaName, bucketEventsName, bucketByCallName, bucketGapsName} {
		if tx.Bucket([]byte(name)) == nil {
			return &CorruptError{Bucket: name, Err: errors.New("bucket missing")}
		}
	}
	version, err := metaU64(meta, keyVersion)
	if err != nil {
		return err
	}
	if version != 1 && version != FormatVersion {
		return fmt.Errorf("%w: %s is format %d, this version reads %d", ErrVersion, s.path, version, FormatVersion)
	}
	if s.applied, err = metaU64(meta, keyApplied); err != nil {
		return err
	}
	if err := tx.Bucket(bucketGaps).ForEach(func(k, v []byte) error {
		var g Gap
		if err := json.Unmarshal(v, &g); err != nil {
			return &CorruptError{Bucket: bucketGapsName, Key: clone(k), Err: err}
		}
		if len(k) != 16 || binary.BigEndian.Uint64(k) != g.After || binary.BigEndian.Uint64(k[8:]) != g.Upto || g.After >= g.Upto {
			return &CorruptError{Bucket: bucketGapsName, Key: clone(k), Err: fmt.Errorf("key does not match the gap (%d, %d]", g.After, g.Upto)}
		}
		s.gaps = append(s.gaps, g)
		return nil
	}); err != nil {
		return err
	}
	for _, ws := range workspaceIDs(tx) {
		if err := s.loadPart(tx, ws); err != nil {
			return err
		}
	}
	return nil
}

// loadPart reads ws's counters and latest events.
func (s *Store) loadPart(tx *bolt.Tx, ws string) error {
	b, _, err := wsBuckets(tx, ws, false)
	if err != nil {
		return err
	}
	p := s.part(ws)
	if p.lastSeq, err = metaU64(b.meta, keyLastSeq); err != nil {
		return err
	}
	count, err := metaU64(b.meta, keyCount)
	if err != nil {
		return err
	}
	p.count = int(count)
	// The latest events, newest first, into the ring.
	c := b.events.Cursor()
	var latest []eventlog.Event
	for k, v := c.Last(); k != nil && len(latest) < s.memory; k, v = c.Prev() {
		ev, err := decodeEvent(k, v)
		if err != nil {
			return err
		}
		if len(latest) == 0 && ev.Seq > p.lastSeq {
			return &CorruptError{Bucket: bucketMetaName, Key: clone(keyLastSeq), Err: fmt.Errorf("workspace %q: last seq %d is below the stored event %d", ws, p.lastSeq, ev.Seq)}
		}
		latest = append(latest, ev)
	}
	slices.Reverse(latest)
	for _, ev := range latest {
		s.push(p, ev)
	}
	return nil
}

// Applied returns the last raft index whose events the store consumed
// (persisted with them): a consumer resumes after it. It never blocks on
// disk.
func (s *Store) Applied() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.applied
}

// LastSeq returns the Seq of the last event of workspace ws stored, 0 if
// none (it stays when Prune deletes that event). It never blocks on disk.
func (s *Store) LastSeq(ws string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.parts[ws]; p != nil {
		return p.lastSeq
	}
	return 0
}

// Len returns how many events of workspace ws the store holds (pruned
// ones excluded); ws "" counts every workspace's. It never blocks on disk.
func (s *Store) Len(ws string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ws != "" {
		if p := s.parts[ws]; p != nil {
			return p.count
		}
		return 0
	}
	n := 0
	for _, p := range s.parts {
		n += p.count
	}
	return n
}

// Gaps returns the ranges of raft entries whose events this node lacks
// (see [Store.MarkGap]), by After; the slice is new. It never blocks on
// disk.
func (s *Store) Gaps() []Gap {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.gaps)
}

// Close waits for a write in progress, then closes the file (and removes
// a private temporary one); reads in progress finish first. Later calls
// fail with ErrClosed. Idempotent.
func (s *Store) Close() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	err := s.db.Close()
	if s.tmpDir != "" {
		if rerr := os.RemoveAll(s.tmpDir); err == nil {
			err = rerr
		}
	}
	return err
}

// view runs fn in a read transaction, failing with ErrClosed after Close.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	err := s.db.View(fn)
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}
