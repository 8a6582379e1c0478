package cooldown

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// checkQueue fails unless the heap is ordered and every timer knows its
// position.
func checkQueue[K any](t require.TestingT, q *Queue[K]) {
	for i, tm := range q.heap {
		require.Equal(t, i+1, tm.pos, "position of entry %d", i)
		if i > 0 {
			require.False(t, q.less(i, (i-1)/2), "heap order at %d", i)
		}
	}
}

// The queue fires timers by time, then scheduling order; rescheduling and
// cancelling are exact. Checked against a sorted list.
// Rule: AS7
func TestQueueMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		var q Queue[int]
		timers := make([]Timer[int], 8)
		for i := range timers {
			timers[i].Key = i
		}
		type item struct {
			key   int
			until time.Time
			seq   int
		}
		var model []item
		seq := 0
		now := t0
		remove := func(k int) {
			model = slices.DeleteFunc(model, func(it item) bool { return it.key == k })
		}
		sortModel := func() {
			slices.SortFunc(model, func(a, b item) int {
				if c := a.until.Compare(b.until); c != 0 {
					return c
				}
				return a.seq - b.seq
			})
		}
		t.Repeat(map[string]func(*rapid.T){
			"schedule": func(t *rapid.T) {
				k := rapid.IntRange(0, 7).Draw(t, "key")
				until := now.Add(time.Duration(rapid.IntRange(0, 10).Draw(t, "in")) * time.Second)
				q.Schedule(&timers[k], until)
				remove(k)
				seq++
				model = append(model, item{k, until, seq})
			},
			"cancel": func(t *rapid.T) {
				k := rapid.IntRange(0, 7).Draw(t, "key")
				was := slices.ContainsFunc(model, func(it item) bool { return it.key == k })
				require.Equal(t, was, q.Cancel(&timers[k]))
				remove(k)
			},
			"advance": func(t *rapid.T) {
				now = now.Add(time.Duration(rapid.IntRange(0, 5).Draw(t, "dt")) * time.Second)
				sortModel()
				for {
					tm, ok := q.PopDue(now)
					if !ok {
						break
					}
					require.NotEmpty(t, model)
					require.Equal(t, model[0].key, tm.Key)
					require.Equal(t, model[0].until, tm.Until())
					require.False(t, tm.Scheduled())
					model = model[1:]
				}
				if len(model) > 0 {
					require.True(t, model[0].until.After(now), "a due timer was not popped")
				}
			},
			"": func(t *rapid.T) {
				checkQueue(t, &q)
				require.Equal(t, len(model), q.Len())
				sortModel()
				next, ok := q.Next()
				require.Equal(t, len(model) > 0, ok)
				if ok {
					require.Equal(t, model[0].until, next)
				}
				got := q.Timers()
				require.Len(t, got, len(model))
				for i, tm := range got {
					require.Equal(t, model[i].key, tm.Key)
				}
			},
		})
	})
}

// Scheduling and popping allocates nothing once the heap has grown.
func TestQueueDoesNotAllocate(t *testing.T) {
	var q Queue[int]
	timers := make([]Timer[int], 64)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range timers {
		q.Schedule(&timers[i], t0.Add(time.Duration(i)*time.Second))
	}
	now := t0
	allocs := testing.AllocsPerRun(1000, func() {
		now = now.Add(time.Second)
		for {
			tm, ok := q.PopDue(now)
			if !ok {
				break
			}
			q.Schedule(tm, now.Add(64*time.Second))
		}
		q.Cancel(&timers[3])
		q.Schedule(&timers[3], now.Add(time.Minute))
	})
	require.Zero(t, allocs)
}

func BenchmarkQueueScheduleCancel(b *testing.B) {
	var q Queue[int]
	timers := make([]Timer[int], 4096)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range timers {
		q.Schedule(&timers[i], t0.Add(time.Duration(i)*time.Millisecond))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tm := &timers[i%len(timers)]
		q.Cancel(tm)
		q.Schedule(tm, t0.Add(time.Duration(i)*time.Millisecond))
		i++
	}
}

// A timer far in the future (past 2262, where UnixNano wraps) sorts after
// every earlier one, instead of first: one such deadline must not stop the
// others from firing.
func TestQueueOrdersTimesPastUnixNanoRange(t *testing.T) {
	var q Queue[string]
	far := Timer[string]{Key: "far"}
	near := Timer[string]{Key: "near"}
	past := Timer[string]{Key: "past"}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	q.Schedule(&far, time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC))
	q.Schedule(&near, now.Add(time.Minute))
	q.Schedule(&past, time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC))
	next, ok := q.Next()
	if !ok || next.Year() != 1600 {
		t.Fatalf("next %v, want the 1600 timer", next)
	}
	got, _ := q.PopDue(now.Add(time.Hour))
	if got.Key != "past" {
		t.Fatalf("popped %q first", got.Key)
	}
	got, ok = q.PopDue(now.Add(time.Hour))
	if !ok || got.Key != "near" {
		t.Fatalf("popped %v %v, want near", got, ok)
	}
	if _, ok := q.PopDue(now.Add(time.Hour)); ok {
		t.Fatal("the year-2300 timer fired in 2026")
	}
	if ts := q.Timers(); len(ts) != 1 || ts[0].Key != "far" {
		t.Fatalf("Timers() = %v", ts)
	}
}
