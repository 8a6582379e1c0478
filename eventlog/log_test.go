package eventlog_test

import (
	"reflect"
	"sync"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

func at(seq uint64, k eventlog.Kind, call pb.CallID) eventlog.Event {
	return eventlog.Event{Seq: seq, At: t0.Add(time.Duration(seq) * time.Second), Kind: k, Call: call}
}

func seqs(es []eventlog.Event) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}

func TestLogTimelines(t *testing.T) {
	// Rule: EL1
	var l eventlog.Log
	in := []eventlog.Event{
		at(1, eventlog.CallPlaced, "b"),
		at(2, eventlog.CallPlaced, "a"),
		{Seq: 3, At: t0, Kind: eventlog.StatusChanged, Teammate: "m"},
		at(5, eventlog.CallQueued, "a"),
		at(4, eventlog.CallQueued, "b"), // arrives late: inserted by Seq
		at(6, eventlog.CallEndedBeforeAnswer, "b"),
		at(7, eventlog.AbandonedAssignment, "b"),
	}
	for _, e := range in {
		l.Append(e)
	}
	if got := l.Calls(); !reflect.DeepEqual(got, []pb.CallID{"b", "a"}) {
		t.Fatalf("calls %v, want first-seen order [b a]", got)
	}
	if got := seqs(l.Timeline("b")); !reflect.DeepEqual(got, []uint64{1, 4, 6, 7}) {
		t.Fatalf("timeline b %v", got)
	}
	if got := seqs(l.Timeline("a")); !reflect.DeepEqual(got, []uint64{2, 5}) {
		t.Fatalf("timeline a %v", got)
	}
	if got := seqs(l.Events()); !reflect.DeepEqual(got, []uint64{1, 2, 3, 4, 5, 6, 7}) {
		t.Fatalf("events %v", got)
	}
	if l.Timeline("nope") != nil || l.Len() != 7 {
		t.Fatalf("unknown call or length wrong")
	}
	// Returned slices are copies.
	tl := l.Timeline("a")
	tl[0].Seq = 99
	if l.Timeline("a")[0].Seq != 2 {
		t.Fatal("Timeline returned the log's own storage")
	}
}

func TestLogIsASinkAndConcurrencySafe(t *testing.T) {
	var l eventlog.Log
	var s eventlog.Sink = &l
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				_ = s.Write(at(uint64(w*100+i+1), eventlog.CallPlaced, pb.CallID(rune('a'+w))))
				_ = l.Timeline("a")
			}
		}()
	}
	wg.Wait()
	ev := l.Events()
	if len(ev) != 400 {
		t.Fatalf("got %d events", len(ev))
	}
	for i := 1; i < len(ev); i++ {
		if ev[i-1].Seq > ev[i].Seq {
			t.Fatalf("events out of Seq order at %d", i)
		}
	}
	if len(l.Calls()) != 4 || len(l.Timeline("c")) != 100 {
		t.Fatalf("calls %v", l.Calls())
	}
}
