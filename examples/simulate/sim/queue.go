package sim

import "strconv"

// evKind is what a model event does when its time comes.
type evKind uint8

const (
	evArrive    evKind = iota + 1 // a customer places the next call
	evRouted                      // a call's routing (IVR) ends: queue it
	evAnswer                      // a ringing teammate answers
	evDecline                     // a ringing teammate presses Decline
	evPatience                    // a customer's patience runs out
	evEnd                         // a teammate ends an answered call
	evDeflected                   // end a call the engine deflected
	evAway                        // a teammate goes on a break
	evBack                        // a teammate comes back from a break
)

// event is one future model event. at is simulated nanoseconds since the
// start; seq breaks ties in scheduling order, so the run is deterministic.
type event struct {
	at   int64
	seq  uint64
	kind evKind
	gen  uint32 // evAnswer, evDecline: the ring they react to
	call int32
	tm   int32
}

// eventQueue is a binary min-heap of events ordered by (at, seq). It is
// written out rather than built on container/heap to avoid boxing every
// event in an interface.
type eventQueue struct {
	h   []event
	seq uint64
}

func (q *eventQueue) len() int { return len(q.h) }

// peek returns the earliest event; the queue must not be empty.
func (q *eventQueue) peek() event { return q.h[0] }

func (q *eventQueue) less(i, j int) bool {
	a, b := &q.h[i], &q.h[j]
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

func (q *eventQueue) push(ev event) {
	q.seq++
	ev.seq = q.seq
	q.h = append(q.h, ev)
	for i := len(q.h) - 1; i > 0; {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q.h[i], q.h[p] = q.h[p], q.h[i]
		i = p
	}
}

func (q *eventQueue) pop() event {
	top := q.h[0]
	last := len(q.h) - 1
	q.h[0] = q.h[last]
	q.h = q.h[:last]
	for i, n := 0, last; ; {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && q.less(r, l) {
			m = r
		}
		if !q.less(m, i) {
			break
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
	return top
}

var evNames = [...]string{evArrive: "arrive", evRouted: "routed", evAnswer: "answer", evDecline: "decline",
	evPatience: "patience", evEnd: "end", evDeflected: "deflected", evAway: "away", evBack: "back"}

// String names the kind, for error messages.
func (k evKind) String() string {
	if int(k) < len(evNames) && evNames[k] != "" {
		return evNames[k]
	}
	return "evKind(" + strconv.Itoa(int(k)) + ")"
}
