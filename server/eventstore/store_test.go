package eventstore_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/eventstore"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// callEvents returns a call's placed and ended events, numbered from seq,
// at t0.
func callEvents(seq uint64, call pb.CallID) []eventlog.Event {
	return []eventlog.Event{
		{Seq: seq, At: t0, Kind: eventlog.CallPlaced, Call: call, Direction: pb.Inbound},
		{Seq: seq + 1, At: t0, Kind: eventlog.CallEnded, Call: call, Direction: pb.Inbound,
			Stage: eventlog.StageQueued, By: eventlog.ByCustomer},
	}
}

func open(t *testing.T, cfg eventstore.Config) *eventstore.Store {
	t.Helper()
	s, err := eventstore.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// ws is the workspace the tests store events of.
const ws = eventstore.LegacyWorkspace

// mustAppend appends entries and returns the new events, in order.
func mustAppend(t *testing.T, s *eventstore.Store, entries ...eventstore.Entry) []eventlog.Event {
	t.Helper()
	fresh, err := s.Append(entries...)
	if err != nil {
		t.Fatal(err)
	}
	var out []eventlog.Event
	for _, e := range fresh {
		out = append(out, e.Events...)
	}
	return out
}

func seqs(evs []eventlog.Event) []uint64 {
	out := make([]uint64, len(evs))
	for i, ev := range evs {
		out[i] = ev.Seq
	}
	return out
}

func replayed(t *testing.T, s *eventstore.Store) []uint64 {
	t.Helper()
	var out []uint64
	if err := s.Replay(func(_ string, ev eventlog.Event) error { out = append(out, ev.Seq); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// A replay of the log (events already stored) adds nothing and returns
// nothing; only the new events come back, in order.
func TestEventsAppendSkipsReplay(t *testing.T) {
	s := open(t, eventstore.Config{Dir: t.TempDir()})
	fresh := mustAppend(t, s, eventstore.Entry{Index: 3, Workspace: ws, Events: callEvents(1, "c1")})
	if !slices.Equal(seqs(fresh), []uint64{1, 2}) {
		t.Fatalf("fresh %v", seqs(fresh))
	}
	fresh = mustAppend(t, s,
		eventstore.Entry{Index: 3, Workspace: ws, Events: callEvents(1, "c1")},
		eventstore.Entry{Index: 4, Workspace: ws, Events: callEvents(3, "c2")})
	if !slices.Equal(seqs(fresh), []uint64{3, 4}) {
		t.Fatalf("fresh after a replay %v", seqs(fresh))
	}
	if s.Len(ws) != 4 || s.LastSeq(ws) != 4 || s.Applied() != 4 {
		t.Fatalf("len %d, last seq %d, applied %d", s.Len(ws), s.LastSeq(ws), s.Applied())
	}
	if got := replayed(t, s); !slices.Equal(got, []uint64{1, 2, 3, 4}) {
		t.Fatalf("stored %v", got)
	}
}

// Events out of Seq order within an entry are skipped, wherever they
// fall: only events above every Seq kept before them are stored and come
// back, in order.
func TestEventsAppendSkipsEventsOutOfOrder(t *testing.T) {
	s := open(t, eventstore.Config{Dir: t.TempDir()})
	mustAppend(t, s, eventstore.Entry{Index: 1, Workspace: ws, Events: callEvents(1, "c1")})
	var evs []eventlog.Event
	for _, seq := range []uint64{2, 3, 6, 4, 6, 7, 5, 8} { // 2: replayed
		evs = append(evs, eventlog.Event{Seq: seq, At: t0, Kind: eventlog.CallPlaced, Call: "c2", Direction: pb.Inbound})
	}
	fresh := mustAppend(t, s, eventstore.Entry{Index: 2, Workspace: ws, Events: evs})
	if want := []uint64{3, 6, 7, 8}; !slices.Equal(seqs(fresh), want) {
		t.Fatalf("fresh %v, want %v", seqs(fresh), want)
	}
	if got := replayed(t, s); !slices.Equal(got, []uint64{1, 2, 3, 6, 7, 8}) {
		t.Fatalf("stored %v", got)
	}
	if s.Len(ws) != 6 || s.LastSeq(ws) != 8 {
		t.Fatalf("len %d, last seq %d", s.Len(ws), s.LastSeq(ws))
	}
}

// Applied and LastSeq are persisted with the events: a reopened store
// resumes where it stopped, and an entry without events still advances
// Applied. Applied never goes back.
func TestEventsRestartResumesAppliedAndLastSeq(t *testing.T) {
	dir := t.TempDir()
	s := open(t, eventstore.Config{Dir: dir})
	mustAppend(t, s, eventstore.Entry{Index: 5, Workspace: ws, Events: callEvents(1, "c1")}, eventstore.Entry{Index: 6})
	mustAppend(t, s, eventstore.Entry{Index: 7})
	mustAppend(t, s, eventstore.Entry{Index: 2}) // an old index does not lower Applied
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, eventstore.Config{Dir: dir})
	if s.Applied() != 7 || s.LastSeq(ws) != 2 || s.Len(ws) != 2 {
		t.Fatalf("reopened: applied %d, last seq %d, len %d", s.Applied(), s.LastSeq(ws), s.Len(ws))
	}
	if fresh := mustAppend(t, s, eventstore.Entry{Index: 5, Workspace: ws, Events: callEvents(1, "c1")}); len(fresh) != 0 {
		t.Fatalf("replay after restart stored %v", seqs(fresh))
	}
	if got := s.Recent(ws, 0); !slices.Equal(seqs(got), []uint64{1, 2}) {
		t.Fatalf("recent after restart %v", seqs(got))
	}
}

// An event that cannot be encoded fails the whole Append and stores
// nothing of it, Applied included.
func TestEventsAppendErrorStoresNothing(t *testing.T) {
	s := open(t, eventstore.Config{})
	mustAppend(t, s, eventstore.Entry{Index: 1, Workspace: ws, Events: callEvents(1, "c1")})
	bad := callEvents(3, "c2")
	bad[1].Kind = eventlog.Kind(250)
	if _, err := s.Append(eventstore.Entry{Index: 2, Workspace: ws, Events: bad}); err == nil {
		t.Fatal("an invalid kind was stored")
	}
	if s.Len(ws) != 2 || s.LastSeq(ws) != 2 || s.Applied() != 1 || len(s.Recent(ws, 0)) != 2 {
		t.Fatalf("after a failed append: len %d, last seq %d, applied %d", s.Len(ws), s.LastSeq(ws), s.Applied())
	}
	if tl, err := s.Timeline(ws, "c2"); err != nil || tl != nil {
		t.Fatalf("timeline of the refused call: %v %v", tl, err)
	}
}

// Recent serves the latest Memory events, oldest first.
func TestEventsRecent(t *testing.T) {
	dir := t.TempDir()
	s := open(t, eventstore.Config{Dir: dir, Memory: 3})
	mustAppend(t, s, eventstore.Entry{Index: 1, Workspace: ws, Events: callEvents(1, "a")})
	mustAppend(t, s, eventstore.Entry{Index: 2, Workspace: ws, Events: callEvents(3, "b")})
	if got := s.Recent(ws, 0); !slices.Equal(seqs(got), []uint64{2, 3, 4}) {
		t.Fatalf("recent %v", seqs(got))
	}
	if got := s.Recent(ws, 2); !slices.Equal(seqs(got), []uint64{3, 4}) {
		t.Fatalf("recent 2 %v", seqs(got))
	}
	s.Close()
	s = open(t, eventstore.Config{Dir: dir, Memory: 3})
	if got := s.Recent(ws, 0); !slices.Equal(seqs(got), []uint64{2, 3, 4}) {
		t.Fatalf("recent after reopening %v", seqs(got))
	}
}

// A timeline holds the call's events only, in order, however they
// interleave with other calls' and teammate events; a call whose ID
// extends another's with a zero byte is not mixed in.
//
// Rule: EL1
func TestEventsTimeline(t *testing.T) {
	s := open(t, eventstore.Config{Dir: t.TempDir(), Memory: 1})
	a, b, nul := callEvents(1, "a"), callEvents(1, "b"), callEvents(1, "a\x00b")
	tm := eventlog.Event{At: t0, Kind: eventlog.StatusChanged, Teammate: "ana"}
	all := []eventlog.Event{a[0], b[0], nul[0], b[1], nul[1], a[1], tm}
	for i := range all {
		all[i].Seq = uint64(i + 1)
	}
	mustAppend(t, s, eventstore.Entry{Index: 1, Workspace: ws, Events: all[:3]}, eventstore.Entry{Index: 2, Workspace: ws, Events: all[3:]})
	for call, want := range map[pb.CallID][]uint64{"a": {1, 6}, "b": {2, 4}, "a\x00b": {3, 5}, "none": nil, "": nil} {
		tl, err := s.Timeline(ws, call)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(seqs(tl), want) || (want == nil) != (tl == nil) {
			t.Fatalf("timeline of %q: %v, want %v", call, seqs(tl), want)
		}
		for _, ev := range tl {
			if ev.Call != call {
				t.Fatalf("timeline of %q holds %+v", call, ev)
			}
		}
	}
	tl, _ := s.Timeline(ws, "a")
	if tl[0].Kind != eventlog.CallPlaced || tl[1].Kind != eventlog.CallEnded || !tl[0].At.Equal(t0) {
		t.Fatalf("timeline of a decoded as %+v", tl)
	}
}

// A gap is recorded durably, advances Applied, and is listed after a
// restart.
func TestEventsGapSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s := open(t, eventstore.Config{Dir: dir})
	mustAppend(t, s, eventstore.Entry{Index: 4, Workspace: ws, Events: callEvents(1, "c1")})
	if err := s.MarkGap(4, 90, "snapshot installed"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkGap(90, 90, "empty"); !errors.Is(err, eventstore.ErrBadGap) {
		t.Fatalf("empty gap: %v", err)
	}
	if s.Applied() != 90 {
		t.Fatalf("applied %d after the gap", s.Applied())
	}
	s.Close()
	s = open(t, eventstore.Config{Dir: dir})
	want := []eventstore.Gap{{After: 4, Upto: 90, Reason: "snapshot installed"}}
	if got := s.Gaps(); !slices.Equal(got, want) || s.Applied() != 90 || s.LastSeq(ws) != 2 {
		t.Fatalf("after restart: gaps %+v, applied %d, last seq %d", got, s.Applied(), s.LastSeq(ws))
	}
	if fresh := mustAppend(t, s, eventstore.Entry{Index: 91, Workspace: ws, Events: callEvents(3, "c2")}); len(fresh) != 2 {
		t.Fatalf("after the gap: %v", seqs(fresh))
	}
}

// Prune deletes what is older than the retention, index entries
// included, and keeps the rest; without a retention it deletes nothing.
func TestEventsPruneDeletes(t *testing.T) {
	dir := t.TempDir()
	s := open(t, eventstore.Config{Dir: dir, Retention: 24 * time.Hour})
	var entries []eventstore.Entry
	for day := range 3 {
		evs := callEvents(uint64(2*day+1), pb.CallID("day"+string(rune('0'+day))))
		for i := range evs {
			evs[i].At = t0.Add(time.Duration(day) * 24 * time.Hour)
		}
		entries = append(entries, eventstore.Entry{Index: uint64(day + 1), Workspace: ws, Events: evs})
	}
	mustAppend(t, s, entries...)
	// At t0+49h the cutoff is t0+25h: days 0 and 1 go.
	n, err := s.Prune(t0.Add(49 * time.Hour))
	if err != nil || n != 4 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	check := func() {
		t.Helper()
		if s.Len(ws) != 2 || s.LastSeq(ws) != 6 || s.Applied() != 3 {
			t.Fatalf("len %d, last seq %d, applied %d", s.Len(ws), s.LastSeq(ws), s.Applied())
		}
		for call, want := range map[pb.CallID]int{"day0": 0, "day1": 0, "day2": 2} {
			if tl, err := s.Timeline(ws, call); err != nil || len(tl) != want {
				t.Fatalf("timeline of %s: %v %v", call, tl, err)
			}
		}
		if got := replayed(t, s); !slices.Equal(got, []uint64{5, 6}) {
			t.Fatalf("replay %v", got)
		}
		if got := s.Recent(ws, 0); !slices.Equal(seqs(got), []uint64{5, 6}) {
			t.Fatalf("recent %v", seqs(got))
		}
	}
	check()
	if n, err := s.Prune(t0.Add(49 * time.Hour)); n != 0 || err != nil {
		t.Fatalf("second prune %d %v", n, err)
	}
	s.Close()
	s = open(t, eventstore.Config{Dir: dir})
	check()
	if n, err := s.Prune(t0.Add(1000 * time.Hour)); n != 0 || err != nil {
		t.Fatalf("prune without retention: %d %v", n, err)
	}
}

// A Prune with nothing to delete commits nothing: each workspace's empty
// transaction is rolled back rather than committed, which would write and
// sync the file once per workspace at every prune.
func TestEventsPruneWithNothingToDeleteCommitsNothing(t *testing.T) {
	s := open(t, eventstore.Config{Dir: t.TempDir(), Retention: 24 * time.Hour})
	mustAppend(t, s,
		eventstore.Entry{Index: 1, Workspace: ws, Events: callEvents(1, "c1")},
		eventstore.Entry{Index: 2, Workspace: "w2", Events: callEvents(1, "c1")})
	before := eventstore.Commits(t, s)
	if n, err := s.Prune(t0.Add(time.Hour)); n != 0 || err != nil {
		t.Fatalf("pruned %d, %v", n, err)
	}
	if got := eventstore.Commits(t, s); got != before {
		t.Fatalf("a prune that deleted nothing made %d commits", got-before)
	}
	if s.Len(ws) != 2 || s.Len("w2") != 2 {
		t.Fatalf("len %d and %d", s.Len(ws), s.Len("w2"))
	}
}

// A store without a directory lives in a private file removed at Close;
// after Close every method fails with ErrClosed.
func TestEventsTemporaryAndClosed(t *testing.T) {
	s, err := eventstore.Open(eventstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, eventstore.Entry{Index: 1, Workspace: ws, Events: callEvents(1, "a")})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if _, err := s.Append(eventstore.Entry{Index: 2, Workspace: ws, Events: callEvents(3, "b")}); err != eventstore.ErrClosed {
		t.Fatalf("append after close: %v", err)
	}
	if _, err := s.Timeline(ws, "a"); err != eventstore.ErrClosed {
		t.Fatalf("timeline after close: %v", err)
	}
	if err := s.Replay(func(string, eventlog.Event) error { return nil }); err != eventstore.ErrClosed {
		t.Fatalf("replay after close: %v", err)
	}
	if err := s.MarkGap(1, 2, "x"); err != eventstore.ErrClosed {
		t.Fatalf("mark gap after close: %v", err)
	}
}

// A second opener of a held store fails at once with ErrLocked; a
// read-only store refuses writes, and a directory without a store is
// ErrNotFound (without creating one).
func TestEventsLockedAndReadOnly(t *testing.T) {
	eventstore.ShortLockWait(t, 10*time.Millisecond)
	dir := t.TempDir()
	s := open(t, eventstore.Config{Dir: dir})
	mustAppend(t, s, eventstore.Entry{Index: 1, Workspace: ws, Events: callEvents(1, "a")})
	if _, err := eventstore.Open(eventstore.Config{Dir: dir}); !errors.Is(err, eventstore.ErrLocked) {
		t.Fatalf("second writer: %v", err)
	}
	if _, err := eventstore.Open(eventstore.Config{Dir: dir, ReadOnly: true}); !errors.Is(err, eventstore.ErrLocked) {
		t.Fatalf("reader while the writer holds it: %v", err)
	}
	s.Close()
	ro := open(t, eventstore.Config{Dir: dir, ReadOnly: true})
	if tl, err := ro.Timeline(ws, "a"); err != nil || len(tl) != 2 {
		t.Fatalf("read-only timeline %v %v", tl, err)
	}
	if _, err := ro.Append(eventstore.Entry{Index: 2}); err != eventstore.ErrReadOnly {
		t.Fatalf("read-only append: %v", err)
	}
	empty := t.TempDir()
	if _, err := eventstore.Open(eventstore.Config{Dir: empty, ReadOnly: true}); !errors.Is(err, eventstore.ErrNotFound) {
		t.Fatalf("read-only open of an empty directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(empty, eventstore.FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("read-only open created a file: %v", err)
	}
}

// A prune of more events than one transaction deletes takes several and
// deletes them all, keeping the newer ones and the recent window right.
func TestEventsPruneInChunks(t *testing.T) {
	eventstore.SmallChunks(t, 7)
	s := open(t, eventstore.Config{Retention: time.Hour, Memory: 10})
	var evs []eventlog.Event
	for i := range 50 {
		evs = append(evs, eventlog.Event{Seq: uint64(i + 1), At: t0.Add(time.Duration(i) * time.Second),
			Kind: eventlog.CallPlaced, Call: pb.CallID(fmt.Sprint("c", i%7)), Direction: pb.Inbound})
	}
	mustAppend(t, s, eventstore.Entry{Index: 1, Workspace: ws, Events: evs})
	// The cutoff is t0 + 45 s: events 1 to 45 go, in 7 transactions.
	n, err := s.Prune(t0.Add(time.Hour + 45*time.Second))
	if err != nil || n != 45 || s.Len(ws) != 5 {
		t.Fatalf("pruned %d (%v), len %d", n, err, s.Len(ws))
	}
	if got := replayed(t, s); len(got) != 5 || got[0] != 46 {
		t.Fatalf("kept %d events from %v", len(got), got[:1])
	}
	if got := s.Recent(ws, 0); len(got) != 5 || got[0].Seq != 46 {
		t.Fatalf("recent holds %d events", len(got))
	}
	total := 0
	for call := range 7 {
		tl, err := s.Timeline(ws, pb.CallID(fmt.Sprint("c", call)))
		if err != nil {
			t.Fatal(err)
		}
		total += len(tl)
	}
	if total != 5 {
		t.Fatalf("timelines hold %d events", total)
	}
}

// Reads run alongside appends and see whole appends only: every timeline
// read while calls are stored is empty or whole, and a replay sees a
// prefix of the seqs without a hole.
func TestEventsConcurrentReadsSeeWholeAppends(t *testing.T) {
	s := open(t, eventstore.Config{})
	const calls = 40
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range calls {
			if _, err := s.Append(eventstore.Entry{Index: uint64(i + 1), Workspace: ws, Events: callEvents(uint64(2*i+1), pb.CallID(fmt.Sprint("c", i)))}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for reading := true; reading; {
		select {
		case <-done:
			reading = false
		default:
		}
		for i := range calls {
			tl, err := s.Timeline(ws, pb.CallID(fmt.Sprint("c", i)))
			if err != nil || (len(tl) != 0 && len(tl) != 2) {
				t.Fatalf("timeline of c%d while appending: %v %v", i, seqs(tl), err)
			}
		}
		got := replayed(t, s)
		for i, seq := range got {
			if seq != uint64(i+1) {
				t.Fatalf("replay while appending: %v", got)
			}
		}
		if len(got)%2 != 0 {
			t.Fatalf("replay saw half an append: %v", got)
		}
	}
	if s.Len(ws) != 2*calls || s.Applied() != calls {
		t.Fatalf("len %d, applied %d", s.Len(ws), s.Applied())
	}
}
