package eventstore_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/eventstore"
)

// Each workspace has its own events, seqs, call index, counters and
// recent window, in one file and one transaction per Append; a reopened
// store finds them all; Replay names each event's workspace; Prune keeps
// each workspace's count right; an invalid workspace ID stores nothing.
func TestEventsOfWorkspacesAreSeparate(t *testing.T) {
	dir := t.TempDir()
	s := open(t, eventstore.Config{Dir: dir, Retention: time.Hour})
	fresh := mustAppend(t, s,
		eventstore.Entry{Index: 1, Workspace: ws, Events: callEvents(1, "c1")},
		eventstore.Entry{Index: 2, Workspace: "acme", Events: callEvents(1, "c1")}, // the same seqs and call ID
		eventstore.Entry{Index: 3, Workspace: "acme", Events: callEvents(3, "c2")},
		eventstore.Entry{Index: 4, Workspace: "acme", Events: callEvents(1, "c1")}) // a replay: nothing new
	if len(fresh) != 6 {
		t.Fatalf("%d new events, want 6", len(fresh))
	}
	if _, err := s.Append(eventstore.Entry{Index: 5, Workspace: "", Events: callEvents(5, "c3")}); !errors.Is(err, eventstore.ErrBadWorkspace) {
		t.Fatalf("an empty workspace: %v", err)
	}
	if _, err := s.Append(eventstore.Entry{Index: 5, Workspace: strings.Repeat("w", eventstore.MaxWorkspace+1), Events: callEvents(5, "c3")}); !errors.Is(err, eventstore.ErrBadWorkspace) {
		t.Fatalf("a long workspace: %v", err)
	}
	check := func(s *eventstore.Store) {
		t.Helper()
		if s.Applied() != 4 {
			t.Errorf("applied %d, want 4", s.Applied())
		}
		if got := s.Workspaces(); !slices.Equal(got, []string{ws, "acme"}) {
			t.Errorf("workspaces %q", got)
		}
		for _, c := range []struct {
			ws       string
			len      int
			last     uint64
			timeline int
		}{{ws, 2, 2, 2}, {"acme", 4, 4, 2}, {"nope", 0, 0, 0}} {
			if s.Len(c.ws) != c.len || s.LastSeq(c.ws) != c.last || len(s.Recent(c.ws, 0)) != c.len {
				t.Errorf("%s: len %d, last %d, recent %d; want %d, %d", c.ws, s.Len(c.ws), s.LastSeq(c.ws), len(s.Recent(c.ws, 0)), c.len, c.last)
			}
			if tl, err := s.Timeline(c.ws, "c1"); err != nil || len(tl) != c.timeline {
				t.Errorf("%s: c1's timeline %d events, %v; want %d", c.ws, len(tl), err, c.timeline)
			}
			if evs, err := s.After(c.ws, 0, 100); err != nil || len(evs) != c.len {
				t.Errorf("%s: After(0) %d events, %v", c.ws, len(evs), err)
			}
		}
		if s.Len("") != 6 {
			t.Errorf("%d events in all, want 6", s.Len(""))
		}
		var got []string
		if err := s.Replay(func(w string, ev eventlog.Event) error { got = append(got, w+":"+string(ev.Call)); return nil }); err != nil {
			t.Fatal(err)
		}
		want := []string{"default:c1", "default:c1", "acme:c1", "acme:c1", "acme:c2", "acme:c2"}
		if !slices.Equal(got, want) {
			t.Errorf("replay %q, want %q", got, want)
		}
	}
	check(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, eventstore.Config{Dir: dir, Retention: time.Hour})
	check(s)
	var b strings.Builder
	if err := s.Export("acme", &b); err != nil || strings.Count(b.String(), "\n") != 4 {
		t.Fatalf("acme's export: %v\n%s", err, b.String())
	}
	// Pruning an hour after t0 deletes every workspace's events.
	n, err := s.Prune(t0.Add(2 * time.Hour))
	if err != nil || n != 6 {
		t.Fatalf("pruned %d, %v; want 6", n, err)
	}
	if s.Len("acme") != 0 || s.Len(ws) != 0 || len(s.Recent("acme", 0)) != 0 || s.LastSeq("acme") != 4 {
		t.Fatalf("after pruning: acme %d events, default %d, last seq %d", s.Len("acme"), s.Len(ws), s.LastSeq("acme"))
	}
}
