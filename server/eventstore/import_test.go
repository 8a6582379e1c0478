package eventstore_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/eventstore"
)

// writeLegacy writes evs as the old store did (JSON lines), then extra.
func writeLegacy(t *testing.T, dir string, evs []eventlog.Event, extra string) string {
	t.Helper()
	var b bytes.Buffer
	sink := eventlog.NewJSONLines(&b)
	for _, ev := range evs {
		if err := sink.Write(ev); err != nil {
			t.Fatal(err)
		}
	}
	b.WriteString(extra)
	path := filepath.Join(dir, eventstore.LegacyFileName)
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// An old events.jsonl is imported once, whole, then renamed; the store
// resumes after its last seq.
func TestEventsImportLegacyFile(t *testing.T) {
	dir := t.TempDir()
	legacy := writeLegacy(t, dir, append(callEvents(1, "c1"), callEvents(3, "c2")...), "\n")
	s := open(t, eventstore.Config{Dir: dir})
	if s.Len(ws) != 4 || s.LastSeq(ws) != 4 || s.Applied() != 0 {
		t.Fatalf("imported: len %d, last seq %d, applied %d", s.Len(ws), s.LastSeq(ws), s.Applied())
	}
	if tl, err := s.Timeline(ws, "c2"); err != nil || !slices.Equal(seqs(tl), []uint64{3, 4}) {
		t.Fatalf("timeline of c2: %v %v", seqs(tl), err)
	}
	if _, err := os.Stat(legacy); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("old file still there: %v", err)
	}
	if _, err := os.Stat(legacy + eventstore.ImportedSuffix); err != nil {
		t.Fatal(err)
	}
	// The raft log replayed at start adds only what the file lacked.
	if fresh := mustAppend(t, s, eventstore.Entry{Index: 9, Workspace: ws, Events: append(callEvents(3, "c2"), callEvents(5, "c3")...)}); !slices.Equal(seqs(fresh), []uint64{5, 6}) {
		t.Fatalf("after import: %v", seqs(fresh))
	}
	s.Close()
	// A new events.jsonl next to an existing store is not imported again.
	writeLegacy(t, dir, callEvents(100, "late"), "")
	s = open(t, eventstore.Config{Dir: dir})
	if s.Len(ws) != 6 || s.LastSeq(ws) != 6 {
		t.Fatalf("reopened: len %d, last seq %d", s.Len(ws), s.LastSeq(ws))
	}
}

// A bad line anywhere in the old file stops the import with an error
// naming the line; nothing is imported, nothing is truncated, and the old
// file stays for the operator to fix.
func TestEventsImportBadLineIsLoud(t *testing.T) {
	good := append(callEvents(1, "c1"), callEvents(3, "c2")...)
	for name, c := range map[string]struct {
		extra string
		line  int
		is    error
	}{
		"undecodable": {extra: "{\"seq\":5,\"at\":\"2026-\n" + `{"seq":6,"at":"2026-11-24T09:00:00Z","kind":"call_placed"}` + "\n", line: 5, is: eventlog.ErrDecode},
		"no kind":     {extra: `{"seq":5,"at":"2026-11-24T09:00:00Z"}` + "\n", line: 5, is: eventlog.ErrDecode},
		"seq repeats": {extra: "\n" + `{"seq":4,"at":"2026-11-24T09:00:00Z","kind":"call_placed","call":"x"}` + "\n", line: 6},
		"torn tail":   {extra: `{"seq":5,"at":"2026-11-24T09:`, line: 5, is: eventlog.ErrDecode},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			legacy := writeLegacy(t, dir, good, c.extra)
			before, _ := os.ReadFile(legacy)
			s, err := eventstore.Open(eventstore.Config{Dir: dir})
			if err == nil {
				s.Close()
				t.Fatal("imported a bad file")
			}
			var ie *eventstore.ImportError
			if !errors.As(err, &ie) || ie.Line != c.line || ie.Path != legacy {
				t.Fatalf("error %v, want an import error at line %d", err, c.line)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Fatalf("error %v does not match %v", err, c.is)
			}
			after, _ := os.ReadFile(legacy)
			if !bytes.Equal(before, after) {
				t.Fatal("the old file changed")
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Fatalf("directory holds %v, want the old file only", entries)
			}
		})
	}
}
