package eventstore_test

import (
	"fmt"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/eventstore"
)

// benchEvents returns n events of calls of 10 events each, 100 calls in
// progress at once so that their events interleave as live traffic's do.
// Call IDs are call-<k>; event i is at t0 plus i seconds.
func benchEvents(from, n int) []eventlog.Event {
	out := make([]eventlog.Event, 0, n)
	for i := from; i < from+n; i++ {
		block, j := i/1000, i%1000
		call := pb.CallID(fmt.Sprintf("call-%d", block*100+j%100))
		kind := eventlog.CallOffered
		switch j / 100 {
		case 0:
			kind = eventlog.CallPlaced
		case 9:
			kind = eventlog.CallEnded
		}
		out = append(out, eventlog.Event{Seq: uint64(i + 1), At: t0.Add(time.Duration(i) * time.Second),
			Kind: kind, Call: call, Direction: pb.Inbound, Team: "support", TeamName: "Support",
			Segment: 1, Teammate: "ana", TeammateName: "Ana", Stage: eventlog.StageQueued, By: eventlog.ByCustomer})
	}
	return out
}

// fillStore stores n events in dir, in transactions of 20,000, and
// returns the open store.
func fillStore(b *testing.B, dir string, n int) *eventstore.Store {
	s, err := eventstore.Open(eventstore.Config{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	const batch = 20000
	for i := 0; i < n; i += batch {
		if _, err := s.Append(eventstore.Entry{Index: uint64(i + 1), Workspace: ws, Events: benchEvents(i, min(batch, n-i))}); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkStore measures a store of 1 k and of 1 M events:
//
//   - timeline: one call's timeline (10 events; 50 calls spread over the
//     store, read in turn). The call index makes its cost independent of
//     the store's size.
//   - open: opening the closed store (a restart), the latest
//     DefaultMemory events read back included.
//
// Each size is built once and reused by every iteration; building the
// 1 M store takes about 15 s on two cores, so -short leaves that size out:
//
//	go test -run '^$' -bench Store ./server/eventstore/
func BenchmarkStore(b *testing.B) {
	sizes := []int{1_000}
	if !testing.Short() {
		sizes = append(sizes, 1_000_000)
	}
	for _, n := range sizes {
		dir := b.TempDir()
		s := fillStore(b, dir, n)
		// The same number of calls for every size, spread over the store:
		// what is compared is the cost of a lookup, not how much of the
		// file the page cache holds.
		var calls []pb.CallID
		for k := range 50 {
			calls = append(calls, pb.CallID(fmt.Sprintf("call-%d", k*(n/10)/50)))
		}
		b.Run(fmt.Sprintf("stored=%d/timeline", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				call := calls[i%len(calls)]
				tl, err := s.Timeline(ws, call)
				if err != nil || len(tl) != 10 {
					b.Fatalf("timeline of %s: %d events, %v", call, len(tl), err)
				}
				i++
			}
		})
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("stored=%d/open", n), func(b *testing.B) {
			for b.Loop() {
				s, err := eventstore.Open(eventstore.Config{Dir: dir})
				if err != nil || s.Len(ws) != n {
					b.Fatalf("open: %v", err)
				}
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAppend stores one entry of 5 events per operation: one bbolt
// commit, fsyncs included.
func BenchmarkAppend(b *testing.B) {
	s := fillStore(b, b.TempDir(), 0)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Append(eventstore.Entry{Index: uint64(i + 1), Workspace: ws, Events: benchEvents(5*i, 5)}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkAppendAcrossWorkspaces stores one batch of 64 entries of 3
// events each per operation (one commit, as the runtime's stream batches
// what raft applied meanwhile), the entries in 1 workspace or spread over
// 64 of a store holding 1,000: what many workspaces cost each commit.
func BenchmarkAppendAcrossWorkspaces(b *testing.B) {
	for _, spread := range []int{1, 64} {
		b.Run(fmt.Sprintf("workspaces=%d", spread), func(b *testing.B) {
			s := fillStore(b, b.TempDir(), 0)
			seq := make([]uint64, 1000)
			var index uint64
			for w := range 1000 { // every workspace has a few events
				index++
				if _, err := s.Append(eventstore.Entry{Index: index, Workspace: fmt.Sprintf("ws-%04d", w), Events: benchEvents(0, 3)}); err != nil {
					b.Fatal(err)
				}
				seq[w] = 3
			}
			b.ReportAllocs()
			k := 0
			for b.Loop() {
				entries := make([]eventstore.Entry, 64)
				for e := range entries {
					w := (k*64 + e) % spread * (1000 / spread)
					index++
					evs := benchEvents(int(seq[w]), 3)
					seq[w] += 3
					entries[e] = eventstore.Entry{Index: index, Workspace: fmt.Sprintf("ws-%04d", w), Events: evs}
				}
				if _, err := s.Append(entries...); err != nil {
					b.Fatal(err)
				}
				k++
			}
		})
	}
}
