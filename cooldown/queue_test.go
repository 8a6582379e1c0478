package cooldown

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// checkQueue fails unless the heap is ordered, every lane is in firing
// order, and every timer knows its position.
func checkQueue[K any](t require.TestingT, q *Queue[K]) {
	for i, tm := range q.heap {
		require.Equal(t, i+1, tm.pos, "position of entry %d", i)
		require.Zero(t, tm.lane, "lane of heap entry %d", i)
		if i > 0 {
			require.False(t, q.less(i, (i-1)/2), "heap order at %d", i)
		}
	}
	n := 0
	for ln := range q.lanes {
		l := q.lanes[ln]
		require.Equal(t, l.head != nil, q.used&(1<<ln) != 0, "lane %d's bit", ln)
		var prev *Timer[K]
		for tm := l.head; tm != nil; tm = tm.next {
			n++
			require.Equal(t, -1, tm.pos)
			require.EqualValues(t, ln, tm.lane)
			require.Same(t, prev, tm.prev)
			if prev != nil {
				require.True(t, prev.before(tm), "lane %d out of order", ln)
			}
			prev = tm
		}
		require.Same(t, prev, l.tail, "lane %d's tail", ln)
	}
	require.Equal(t, n, q.inLanes)
	require.Zero(t, q.lanes[0].head, "lane 0 is the heap")
}

// The queue fires timers by time, then scheduling order, whether they wait
// in the heap or in a lane; rescheduling and cancelling are exact, also
// across the heap and the lanes. Checked against a sorted list.
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
				// Lanes 0 (the heap), 1-3, and out of range (the heap).
				if ln := rapid.IntRange(-1, 3).Draw(t, "lane"); ln == -1 {
					q.ScheduleInLane(&timers[k], until, Lanes)
				} else {
					q.ScheduleInLane(&timers[k], until, ln)
				}
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
			q.ScheduleInLane(tm, now.Add(64*time.Second), int(tm.Key%2))
		}
		q.Cancel(&timers[3])
		q.Schedule(&timers[3], now.Add(time.Minute))
	})
	require.Zero(t, allocs)
}

// A lane schedules and cancels in constant time: the timers of one fixed
// duration, among 4,096 others in the heap that fire later.
func BenchmarkQueueLaneScheduleCancel(b *testing.B) {
	var q Queue[int]
	timers := make([]Timer[int], 4096)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range timers {
		q.Schedule(&timers[i], t0.Add(time.Hour+time.Duration(i)*time.Millisecond))
	}
	var ring Timer[int]
	b.ReportAllocs()
	now := t0
	for b.Loop() {
		now = now.Add(time.Microsecond)
		q.ScheduleInLane(&ring, now.Add(30*time.Second), 1)
		q.Cancel(&ring)
	}
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
