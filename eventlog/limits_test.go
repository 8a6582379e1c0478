package eventlog_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"pgregory.net/rapid"
)

// A line longer than MaxLineBytes is refused with ErrLineTooLong (and
// ErrDecode) without being held whole, and the reader goes on with the
// next line.
func TestJSONLinesReaderBoundsLines(t *testing.T) {
	var buf bytes.Buffer
	w := eventlog.NewJSONLines(&buf)
	ev := at(1, eventlog.CallPlaced, "c1")
	if err := w.Write(ev); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	in := strings.Repeat("x", 3*eventlog.MaxLineBytes) + "\n" + good +
		strings.Repeat(" ", eventlog.MaxLineBytes+1) // a last, unterminated, overlong line
	r := eventlog.NewJSONLinesReader(strings.NewReader(in))
	_, err := r.Next()
	if !errors.Is(err, eventlog.ErrLineTooLong) || !errors.Is(err, eventlog.ErrDecode) {
		t.Fatalf("overlong line: %v", err)
	}
	got, err := r.Next()
	if err != nil || got.Seq != 1 || got.Kind != eventlog.CallPlaced {
		t.Fatalf("after the overlong line: %+v, %v", got, err)
	}
	if _, err := r.Next(); !errors.Is(err, eventlog.ErrLineTooLong) {
		t.Fatalf("unterminated overlong line: %v", err)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("end: %v", err)
	}
	// A line of exactly MaxLineBytes is read.
	line := strings.TrimSuffix(good, "\n")
	pad := eventlog.MaxLineBytes - len(line) - 1
	r = eventlog.NewJSONLinesReader(strings.NewReader(line + strings.Repeat(" ", pad) + "\n"))
	if _, err := r.Next(); err != nil {
		t.Fatalf("line of MaxLineBytes: %v", err)
	}
}

// Whatever the order of appends and reads, a Log returns events in Seq
// order, equal Seq in arrival order: the same as a stable sort of what
// was appended so far.
// Rule: EL1
func TestLogOrderMatchesStableSort(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var l eventlog.Log
		var all []eventlog.Event
		n := rapid.IntRange(0, 60).Draw(t, "n")
		for i := range n {
			seq := rapid.Uint64Range(1, 20).Draw(t, "seq")
			call := pb.CallID(rapid.SampledFrom([]string{"a", "b", ""}).Draw(t, "call"))
			e := at(seq, eventlog.CallPlaced, call)
			e.Reason = string(rune('A' + i%26)) // tells equal Seqs apart
			e.Count = i
			l.Append(e)
			all = append(all, e)
			if rapid.Bool().Draw(t, "read") {
				want := slices.Clone(all)
				slices.SortStableFunc(want, func(a, b eventlog.Event) int { return cmpSeq(a.Seq, b.Seq) })
				if got := l.Events(); !slices.EqualFunc(got, want, sameEvent) {
					t.Fatalf("events %v, want %v", counts(got), counts(want))
				}
				for _, c := range []pb.CallID{"a", "b"} {
					var wantC []eventlog.Event
					for _, e := range want {
						if e.Call == c {
							wantC = append(wantC, e)
						}
					}
					if got := l.Timeline(c); !slices.EqualFunc(got, wantC, sameEvent) {
						t.Fatalf("timeline %s %v, want %v", c, counts(got), counts(wantC))
					}
				}
			}
		}
		if l.Len() != len(all) {
			t.Fatalf("len %d, want %d", l.Len(), len(all))
		}
	})
}

func cmpSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func sameEvent(a, b eventlog.Event) bool { return a.Count == b.Count && a.Seq == b.Seq }

func counts(es []eventlog.Event) []int {
	out := make([]int, len(es))
	for i, e := range es {
		out[i] = e.Count
	}
	return out
}

// BenchmarkLogReverseAppend appends events in reverse Seq order, the
// worst case for keeping them sorted on append, then reads them.
func BenchmarkLogReverseAppend(b *testing.B) {
	const n = 50_000
	for b.Loop() {
		var l eventlog.Log
		for i := n; i > 0; i-- {
			l.Append(at(uint64(i), eventlog.CallPlaced, pb.CallID([]string{"a", "b", "c"}[i%3])))
		}
		if len(l.Events()) != n {
			b.Fatal("lost events")
		}
	}
}
