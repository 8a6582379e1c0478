package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/eventstore"
)

// storeWith writes a stopped server's event store holding one call.
func storeWith(t *testing.T, dir string) []eventlog.Event {
	t.Helper()
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	evs := []eventlog.Event{
		{Seq: 1, At: at, Kind: eventlog.CallPlaced, Call: "c1", Direction: pb.Inbound},
		{Seq: 2, At: at, Kind: eventlog.CallEnded, Call: "c1", Direction: pb.Inbound, Stage: eventlog.StageQueued, By: eventlog.ByCustomer},
	}
	s, err := eventstore.Open(eventstore.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(eventstore.Entry{Index: 1, Workspace: eventstore.LegacyWorkspace, Events: evs}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return evs
}

// `phonebalanced events export` writes the stored events as JSON lines,
// to standard output or to -o's file, without changing the store.
func TestEventsExportCommand(t *testing.T) {
	dir := t.TempDir()
	evs := storeWith(t, dir)
	var want bytes.Buffer
	sink := eventlog.NewJSONLines(&want)
	for _, ev := range evs {
		sink.Write(ev)
	}
	var stdout, stderr bytes.Buffer
	if err := eventsCommand([]string{"export", "-data", dir}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != want.String() {
		t.Fatalf("stdout:\n%s\nwant:\n%s", stdout.String(), want.String())
	}
	out := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(out, []byte("old content\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := eventsCommand([]string{"export", "-data", dir, "-o", out}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); string(got) != want.String() {
		t.Fatalf("file:\n%s", got)
	}
	if stderr.Len() != 0 {
		t.Fatalf("stderr without gaps: %q", stderr.String())
	}
	// The store is intact and opens for writing again.
	s, err := eventstore.Open(eventstore.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Len("") != 2 || s.Applied() != 1 {
		t.Fatalf("after export: len %d, applied %d", s.Len(""), s.Applied())
	}
}

// While a server holds the store, export says so and writes nothing.
func TestEventsExportWhileServerRuns(t *testing.T) {
	dir := t.TempDir()
	storeWith(t, dir)
	s, err := eventstore.Open(eventstore.Config{Dir: dir}) // the running server
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out := filepath.Join(t.TempDir(), "out.jsonl")
	err = exportEvents(dir, "default", out, nil, nil)
	if !errors.Is(err, eventstore.ErrLocked) || !strings.Contains(err.Error(), "stop the server") {
		t.Fatalf("export of a held store: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
		t.Fatalf("left %v behind", entries)
	}
}

// A directory without a store is an error (naming the old file when it is
// there), and so is an unknown subcommand.
func TestEventsExportErrors(t *testing.T) {
	dir := t.TempDir()
	if err := exportEvents(dir, "default", "", nil, nil); !errors.Is(err, eventstore.ErrNotFound) {
		t.Fatalf("empty directory: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, eventstore.LegacyFileName), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := exportEvents(dir, "default", "", nil, nil); !errors.Is(err, eventstore.ErrNotFound) || !strings.Contains(err.Error(), eventstore.LegacyFileName) {
		t.Fatalf("directory with the old file: %v", err)
	}
	var stderr bytes.Buffer
	if err := eventsCommand([]string{"import"}, nil, &stderr); err == nil || !strings.Contains(stderr.String(), "usage") {
		t.Fatalf("unknown subcommand: %v, %q", err, stderr.String())
	}
	if err := eventsCommand([]string{"export", "-data", dir, "extra"}, nil, &stderr); err == nil {
		t.Fatal("extra argument accepted")
	}
}

// Export names the ranges of entries whose events the node lacks.
func TestEventsExportNamesGaps(t *testing.T) {
	dir := t.TempDir()
	storeWith(t, dir)
	s, err := eventstore.Open(eventstore.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkGap(1, 40, "snapshot installed"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	var stdout, stderr bytes.Buffer
	if err := exportEvents(dir, "default", "", &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "raft entries 2 to 40 (snapshot installed)") || strings.Count(stdout.String(), "\n") != 2 {
		t.Fatalf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}
