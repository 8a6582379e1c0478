package eventstore_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/eventstore"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// callEvents returns a call's placed and ended events, numbered from seq.
func callEvents(seq uint64, call pb.CallID) []eventlog.Event {
	return []eventlog.Event{
		{Seq: seq, At: t0, Kind: eventlog.CallPlaced, Call: call, Direction: pb.Inbound},
		{Seq: seq + 1, At: t0, Kind: eventlog.CallEnded, Call: call, Direction: pb.Inbound,
			Stage: eventlog.StageQueued, By: eventlog.ByCustomer},
	}
}

func mustAppend(t *testing.T, s *eventstore.Store, evs ...eventlog.Event) {
	t.Helper()
	for _, ev := range evs {
		if _, err := s.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
}

// A replay of events already stored (the replica's log replayed at start)
// adds nothing; a reopened store knows where it stopped.
func TestAppendDeduplicatesBySeq(t *testing.T) {
	dir := t.TempDir()
	s, err := eventstore.Open(eventstore.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, callEvents(1, "c1")...)
	if ok, err := s.Append(callEvents(1, "c1")[1]); ok || err != nil {
		t.Fatalf("second append of seq 2: %v %v", ok, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = eventstore.Open(eventstore.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.LastSeq() != 2 || s.Len() != 2 {
		t.Fatalf("reopened: last seq %d, len %d", s.LastSeq(), s.Len())
	}
	mustAppend(t, s, callEvents(1, "c1")...) // the replay
	mustAppend(t, s, callEvents(3, "c2")...)
	if s.Len() != 4 {
		t.Fatalf("len %d after replay and one new call, want 4", s.Len())
	}
	var seqs []uint64
	if err := s.Replay(func(ev eventlog.Event) error { seqs = append(seqs, ev.Seq); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 4 || seqs[3] != 4 {
		t.Fatalf("file holds seqs %v", seqs)
	}
}

// A line torn by a crash is cut off, and the next append starts a clean
// line.
func TestTornLineIsCutOff(t *testing.T) {
	dir := t.TempDir()
	s, err := eventstore.Open(eventstore.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, callEvents(1, "c1")...)
	s.Close()
	f, err := os.OpenFile(filepath.Join(dir, eventstore.FileName), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"seq":3,"at":"2026-11-24T09:`); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s, err = eventstore.Open(eventstore.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.LastSeq() != 2 {
		t.Fatalf("last seq %d, want 2", s.LastSeq())
	}
	mustAppend(t, s, callEvents(3, "c2")...)
	tl, err := s.Timeline("c2")
	if err != nil || len(tl) != 2 {
		t.Fatalf("timeline of c2: %v %v", tl, err)
	}
}

// Memory holds a bounded window; an old call's timeline is read back from
// the file, whole.
func TestTimelineFromFilePastTheWindow(t *testing.T) {
	dir := t.TempDir()
	s, err := eventstore.Open(eventstore.Config{Dir: dir, Memory: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustAppend(t, s, callEvents(1, "old")...)
	mustAppend(t, s, callEvents(3, "mid")...)
	mustAppend(t, s, callEvents(5, "new")...)
	if got := s.Recent(0); len(got) != 3 || got[0].Seq != 4 || got[2].Seq != 6 {
		t.Fatalf("recent: %v", got)
	}
	for _, call := range []pb.CallID{"old", "mid", "new"} {
		tl, err := s.Timeline(call)
		if err != nil {
			t.Fatal(err)
		}
		if len(tl) != 2 || tl[0].Kind != eventlog.CallPlaced || tl[1].Kind != eventlog.CallEnded {
			t.Fatalf("timeline of %s: %v", call, tl)
		}
	}
	if tl, err := s.Timeline("none"); tl != nil || err != nil {
		t.Fatalf("timeline of an unknown call: %v %v", tl, err)
	}
}

// In memory only (no directory), reads stay within the window.
func TestInMemory(t *testing.T) {
	s, err := eventstore.Open(eventstore.Config{Memory: 2})
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, callEvents(1, "a")...)
	mustAppend(t, s, callEvents(3, "b")...)
	if s.Len() != 4 || len(s.Recent(0)) != 2 {
		t.Fatalf("len %d, recent %d", s.Len(), len(s.Recent(0)))
	}
	s.Close()
	if _, err := s.Append(callEvents(5, "c")[0]); err != eventstore.ErrClosed {
		t.Fatalf("append after close: %v", err)
	}
}
