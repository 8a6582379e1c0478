// Package eventstore is the server's durable event log: every event the
// engine produced, one JSON line each, in a file of the data directory,
// with the most recent events also kept in memory (a bounded window).
//
// The replica's log is the source of truth; the event store is derived
// from it. Events are appended once each: an event whose Seq is not above
// the last stored one is skipped, so replaying the replica's log at start
// (which produces the same events again) does not duplicate them.
//
// A Store is safe for concurrent use. Append does a buffered write and no
// fsync: a process that is killed loses nothing the kernel has, and a
// line torn by a crash is cut off when the store is opened again.
package eventstore

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// FileName is the event log's file name in the data directory.
const FileName = "events.jsonl"

// DefaultMemory is how many recent events a Store keeps in memory when
// Config.Memory is zero.
const DefaultMemory = 10000

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("eventstore: closed")

// Config configures a [Store].
type Config struct {
	// Dir is the directory of the events file; empty keeps the events in
	// memory only (tests), still bounded by Memory for reads.
	Dir string
	// Memory is how many recent events are kept in memory; older ones
	// are read back from the file. Zero means DefaultMemory.
	Memory int
}

// Store is an append-only event log on disk with a bounded in-memory
// window of the latest events.
type Store struct {
	mu      sync.Mutex
	path    string
	f       *os.File
	w       *bufio.Writer
	lastSeq uint64
	count   int // events stored since open, plus those found at open
	// recent is a ring buffer of the latest events, oldest at head.
	recent []eventlog.Event
	head   int
	n      int
	closed bool
	// evicted reports whether an event has ever left the window (or the
	// file held events at open that are not in it).
	evicted bool
}

// Open opens (or creates) the store in cfg.Dir, reads the last stored
// Seq, loads the latest events into memory, and cuts off a torn last
// line left by a crash.
func Open(cfg Config) (*Store, error) {
	if cfg.Memory <= 0 {
		cfg.Memory = DefaultMemory
	}
	s := &Store{recent: make([]eventlog.Event, cfg.Memory)}
	if cfg.Dir == "" {
		return s, nil
	}
	s.path = filepath.Join(cfg.Dir, FileName)
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	good, err := s.load(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	s.f, s.w = f, bufio.NewWriterSize(f, 64<<10)
	return s, nil
}

// load reads every complete line of f, remembering the latest events,
// and returns the length of the valid prefix.
func (s *Store) load(f *os.File) (int64, error) {
	r := bufio.NewReaderSize(f, 64<<10)
	var off int64
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			return off, nil // a line without its newline is torn: dropped
		}
		if err != nil {
			return 0, err
		}
		var ev eventlog.Event
		if jerr := json.Unmarshal(line, &ev); jerr != nil || ev.Seq <= s.lastSeq {
			// A corrupt line can only be the crash's torn tail followed by
			// a newer write; keep the prefix before it.
			return off, nil
		}
		off += int64(len(line))
		s.push(ev)
		s.lastSeq = ev.Seq
		s.count++
	}
}

// push adds ev to the in-memory window, evicting the oldest if full.
func (s *Store) push(ev eventlog.Event) {
	if s.n == len(s.recent) {
		s.recent[s.head] = ev
		s.head = (s.head + 1) % len(s.recent)
		s.evicted = true
		return
	}
	s.recent[(s.head+s.n)%len(s.recent)] = ev
	s.n++
}

// Append stores ev unless an event with the same or a higher Seq is
// stored already; it reports whether ev was new. Events must come in
// Seq order. The line is flushed to the file before Append returns.
func (s *Store) Append(ev eventlog.Event) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, ErrClosed
	}
	if ev.Seq <= s.lastSeq {
		return false, nil
	}
	if s.w != nil {
		b, err := json.Marshal(ev)
		if err != nil {
			return false, fmt.Errorf("eventstore: %w", err)
		}
		b = append(b, '\n')
		if _, err := s.w.Write(b); err != nil {
			return false, err
		}
		if err := s.w.Flush(); err != nil {
			return false, err
		}
	}
	s.push(ev)
	s.lastSeq = ev.Seq
	s.count++
	return true, nil
}

// LastSeq returns the Seq of the last stored event, 0 if none.
func (s *Store) LastSeq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastSeq
}

// Len returns how many events the store holds (file and memory).
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Recent returns up to max of the latest events, oldest first (max <= 0:
// the whole in-memory window). The slice is new.
func (s *Store) Recent(max int) []eventlog.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.n
	if max > 0 && max < k {
		k = max
	}
	out := make([]eventlog.Event, 0, k)
	for i := s.n - k; i < s.n; i++ {
		out = append(out, s.recent[(s.head+i)%len(s.recent)])
	}
	return out
}

// Timeline returns the events of call, in order; nil if there are none.
// It reads the in-memory window when the call's first event (its
// CallPlaced) is still there, and the file otherwise, so its cost is
// bounded by the window for recent calls and by the file for old ones.
func (s *Store) Timeline(call pb.CallID) ([]eventlog.Event, error) {
	s.mu.Lock()
	var out []eventlog.Event
	for i := 0; i < s.n; i++ {
		if ev := s.recent[(s.head+i)%len(s.recent)]; ev.Call == call {
			out = append(out, ev)
		}
	}
	complete := !s.evicted || (len(out) > 0 && out[0].Kind == eventlog.CallPlaced)
	path := s.path
	s.mu.Unlock()
	if complete || path == "" {
		return out, nil
	}
	return s.scan(path, call)
}

// scan reads the file for call's events. Appends are flushed under the
// lock, so a concurrent reader sees whole lines, up to a torn last one
// that it ignores.
func (s *Store) scan(path string, call pb.CallID) ([]eventlog.Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	needle, err := json.Marshal(call)
	if err != nil {
		return nil, err
	}
	needle = append([]byte(`"call":`), needle...)
	var out []eventlog.Event
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if !bytes.Contains(line, needle) {
			continue
		}
		var ev eventlog.Event
		if err := json.Unmarshal(line, &ev); err != nil {
			return nil, fmt.Errorf("eventstore: %s: %w", path, err)
		}
		if ev.Call == call {
			out = append(out, ev)
		}
	}
}

// Replay calls fn with every stored event in order: from the file when
// there is one (the whole history), from memory otherwise. It stops at
// fn's first error and returns it. Appends wait while it runs.
func (s *Store) Replay(fn func(eventlog.Event) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.path == "" {
		for i := 0; i < s.n; i++ {
			if err := fn(s.recent[(s.head+i)%len(s.recent)]); err != nil {
				return err
			}
		}
		return nil
	}
	f, err := os.Open(s.path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var ev eventlog.Event
		if err := json.Unmarshal(line, &ev); err != nil {
			return fmt.Errorf("eventstore: %s: %w", s.path, err)
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
}

// Close flushes and closes the file. Later Appends fail with ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.f == nil {
		return nil
	}
	err := s.w.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}
