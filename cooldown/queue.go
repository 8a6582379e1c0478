package cooldown

import (
	"math/bits"
	"slices"
	"time"
)

// Timer is a deadline that lives inside the caller's own structure: embed
// it, [Queue.Schedule] it, [Queue.Cancel] it. Because the queue records
// each timer's position in the timer itself, cancelling is exact and
// O(log n) (O(1) in a lane, see [Queue.ScheduleInLane]): nothing stale is
// left behind and no key is hashed. The zero value is an unscheduled
// timer carrying the zero Key.
type Timer[K any] struct {
	// Key tells the owner what the timer is for when it fires.
	Key   K
	until time.Time
	sec   int64  // until as Unix seconds and nanoseconds within the
	nsec  int32  // second: fast to compare, and no wrap in any year
	lane  int32  // the lane it waits in; 0 in the heap
	seq   uint64 // scheduling order, breaking ties between equal times
	pos   int    // index in the queue's heap plus one; -1 in a lane; 0 when not scheduled

	prev, next *Timer[K] // neighbours in the lane
}

// Scheduled reports whether the timer is pending in a queue.
func (t *Timer[K]) Scheduled() bool { return t.pos != 0 }

// Until returns when the timer fires; meaningful while Scheduled.
func (t *Timer[K]) Until() time.Time { return t.until }

// Queue orders timers by time, then by the order they were scheduled. The
// zero value is an empty queue ready to use. A Queue is not safe for
// concurrent use. It never allocates once its backing array has grown to
// the largest number of timers pending at once.
//
// Timers wait in a binary heap, or in one of a few lanes: first-in
// first-out lists for timers that are scheduled in the order they fire,
// such as every deadline that is "now plus one fixed duration". See
// [Queue.ScheduleInLane]. Where a timer waits changes the cost, never the
// order in which timers fire.
type Queue[K any] struct {
	heap    []*Timer[K]
	lanes   [Lanes]lane[K]
	used    uint32 // bit i set while lane i holds a timer
	inLanes int
	seq     uint64
}

// Lanes is the number of lanes of a [Queue]; lanes are numbered from 1,
// and lane 0 is the heap.
const Lanes = 8

// lane is a list of timers in firing order.
type lane[K any] struct{ head, tail *Timer[K] }

// Len returns the number of pending timers.
func (q *Queue[K]) Len() int { return len(q.heap) + q.inLanes }

// Schedule makes t fire at until, rescheduling it if it is pending. A
// rescheduled timer goes after timers already scheduled for the same time.
// Schedule costs O(log n) in the number of timers in the heap.
func (q *Queue[K]) Schedule(t *Timer[K], until time.Time) { q.ScheduleInLane(t, until, 0) }

// ScheduleInLane is [Queue.Schedule] with a hint: lane (1 to Lanes-1)
// names a group of timers that are usually scheduled in the order they
// fire, such as every ring timeout of a workspace (now plus the same
// duration). A timer that fires no earlier than the last one waiting in
// its lane joins the end of the lane, and is scheduled and cancelled in
// O(1); one that would fire earlier goes to the heap. Lane 0, or one out
// of range, is the heap. Timers fire in the same order wherever they
// wait.
func (q *Queue[K]) ScheduleInLane(t *Timer[K], until time.Time, ln int) {
	if t.pos < 0 {
		q.unlink(t)
	}
	q.seq++
	t.until, t.sec, t.nsec, t.seq = until, until.Unix(), int32(until.Nanosecond()), q.seq
	if ln > 0 && ln < Lanes {
		l := &q.lanes[ln]
		if l.tail == nil || !t.before(l.tail) {
			if t.pos > 0 {
				q.removeAt(t.pos - 1)
			}
			t.lane, t.pos, t.prev, t.next = int32(ln), -1, l.tail, nil
			if l.tail == nil {
				l.head = t
				q.used |= 1 << ln
			} else {
				l.tail.next = t
			}
			l.tail = t
			q.inLanes++
			return
		}
	}
	if t.pos > 0 {
		i := t.pos - 1
		if !q.up(i) {
			q.down(i)
		}
		return
	}
	q.heap = append(q.heap, t)
	t.pos = len(q.heap)
	q.up(len(q.heap) - 1)
}

// Cancel removes t if it is pending and reports whether it was.
func (q *Queue[K]) Cancel(t *Timer[K]) bool {
	switch {
	case t.pos > 0:
		q.removeAt(t.pos - 1)
	case t.pos < 0:
		q.unlink(t)
	default:
		return false
	}
	return true
}

// removeAt takes the heap's i-th timer out.
func (q *Queue[K]) removeAt(i int) {
	t := q.heap[i]
	last := len(q.heap) - 1
	if i != last {
		q.swap(i, last)
	}
	q.heap[last] = nil
	q.heap = q.heap[:last]
	t.pos = 0
	if i != last && !q.up(i) {
		q.down(i)
	}
}

// unlink takes t out of its lane.
func (q *Queue[K]) unlink(t *Timer[K]) {
	l := &q.lanes[t.lane]
	if t.prev == nil {
		l.head = t.next
	} else {
		t.prev.next = t.next
	}
	if t.next == nil {
		l.tail = t.prev
	} else {
		t.next.prev = t.prev
	}
	if l.head == nil {
		q.used &^= 1 << t.lane
	}
	t.prev, t.next, t.lane, t.pos = nil, nil, 0, 0
	q.inLanes--
}

// first returns the timer that fires first: the heap's root or a lane's
// head.
func (q *Queue[K]) first() *Timer[K] {
	var t *Timer[K]
	if len(q.heap) > 0 {
		t = q.heap[0]
	}
	for used := q.used; used != 0; used &= used - 1 {
		h := q.lanes[bits.TrailingZeros32(used)].head
		if t == nil || h.before(t) {
			t = h
		}
	}
	return t
}

// Next returns when the earliest timer fires, and false when none is
// pending.
func (q *Queue[K]) Next() (time.Time, bool) {
	t := q.first()
	if t == nil {
		return time.Time{}, false
	}
	return t.until, true
}

// PopDue removes and returns the earliest timer if it is due at now (its
// time is not after now). Timers due at the same time come out in the order
// they were scheduled.
func (q *Queue[K]) PopDue(now time.Time) (*Timer[K], bool) {
	t := q.first()
	if t == nil || t.until.After(now) {
		return nil, false
	}
	q.Cancel(t)
	return t, true
}

// Timers returns the pending timers in the order they will fire. It
// allocates the result; scheduling them in this order into an empty queue
// rebuilds one that fires the same way.
func (q *Queue[K]) Timers() []*Timer[K] {
	out := slices.Clone(q.heap)
	for i := range q.lanes {
		for t := q.lanes[i].head; t != nil; t = t.next {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b *Timer[K]) int {
		if a.before(b) {
			return -1
		}
		return 1
	})
	return out
}

func (q *Queue[K]) less(i, j int) bool {
	return q.heap[i].before(q.heap[j])
}

// before orders timers by time, then by scheduling order. It compares
// Unix seconds and nanoseconds rather than UnixNano, which wraps for times
// after 2262 and before 1678.
func (t *Timer[K]) before(u *Timer[K]) bool {
	if t.sec != u.sec {
		return t.sec < u.sec
	}
	if t.nsec != u.nsec {
		return t.nsec < u.nsec
	}
	return t.seq < u.seq
}

func (q *Queue[K]) swap(i, j int) {
	q.heap[i], q.heap[j] = q.heap[j], q.heap[i]
	q.heap[i].pos, q.heap[j].pos = i+1, j+1
}

// up sifts i towards the root and reports whether it moved.
func (q *Queue[K]) up(i int) bool {
	moved := false
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q.swap(i, p)
		i, moved = p, true
	}
	return moved
}

func (q *Queue[K]) down(i int) {
	n := len(q.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && q.less(r, l) {
			m = r
		}
		if !q.less(m, i) {
			return
		}
		q.swap(i, m)
		i = m
	}
}
