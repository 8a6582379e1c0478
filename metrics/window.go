package metrics

import (
	"time"

	pb "github.com/phonebalance/phonebalance"
)

// Report holds the windowed figures of [Collector.Report].
//
// Attribution. Each figure counts in the window that contains the instant
// it became final: a call's outcome, duration and answer time (MT3-MT8,
// MT14, callbacks) at the call's end; a queue segment (MT10) at the end of
// the segment; talk time (MT11, MT12) at the end of each talking stretch
// (hold, transfer or end of call); rings, deflections and abandoned
// assignments at their own event. A call's outcome counts for the team of
// its last queue segment (or the team on an outbound CallPlaced) and for
// the teammate who last answered it (or placed it, outbound); answer time
// for the team and teammate of the first answer; a queue segment for its
// team; talk time for the talking teammate and the team the call was
// answered in; no answer (MT5) once per call for each teammate whose ring
// went unanswered and for each team it rang in.
type Report struct {
	// From and To are the window actually covered, [From, To), after
	// rounding the requested bounds down to the resolution.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Partial is true when part of the window is older than the retained
	// data, so the figures may be short.
	Partial bool `json:"partial,omitempty"`
	// Total covers the whole workspace.
	Total Figures `json:"total"`
	// Teams breaks the figures down by team.
	Teams map[pb.TeamID]Figures `json:"teams"`
	// Teammates breaks the figures down by teammate.
	Teammates map[pb.TeammateID]Figures `json:"teammates"`
}

// dim holds figures per key in a slice indexed through a map, so that a
// bucket can be cleared and reused without allocating.
type dim[K comparable] struct {
	index map[K]int
	figs  []acc
}

func (d *dim[K]) get(k K) *acc { return &d.figs[d.slot(k)] }

// slot returns where k's figures are in figs, adding them if new. A slot
// stays k's until reset.
func (d *dim[K]) slot(k K) int {
	if d.index == nil {
		d.index = make(map[K]int)
	}
	i, ok := d.index[k]
	if !ok {
		i = len(d.figs)
		d.figs = append(d.figs, acc{})
		d.index[k] = i
	}
	return i
}

func (d *dim[K]) reset() {
	clear(d.index)
	d.figs = d.figs[:0]
}

func (d *dim[K]) mergeInto(out map[K]Figures) {
	for k, i := range d.index {
		f := out[k]
		f.mergeAcc(&d.figs[i])
		out[k] = f
	}
}

type bucket struct {
	idx   int64
	all   acc
	teams dim[pb.TeamID]
	mates dim[pb.TeammateID]
}

// team returns the figures of team id, or nil for no team.
func (b *bucket) team(id pb.TeamID) *acc {
	if id == "" {
		return nil
	}
	return b.teams.get(id)
}

// mate returns the figures of teammate id, or nil for no teammate.
func (b *bucket) mate(id pb.TeammateID) *acc {
	if id == "" {
		return nil
	}
	return b.mates.get(id)
}

// figRef remembers where one teammate's (or team's) figures are in one
// bucket, so that their next figure in the same bucket skips the map. A
// bucket is reused only for a later index, so the bucket and its index
// identify one use of it.
type figRef struct {
	b    *bucket
	idx  int64
	slot int
}

// mateRef is mate(id) through ref, which must belong to teammate id.
func (b *bucket) mateRef(id pb.TeammateID, ref *figRef) *acc {
	if id == "" {
		return nil
	}
	if ref.b != b || ref.idx != b.idx {
		*ref = figRef{b: b, idx: b.idx, slot: b.mates.slot(id)}
	}
	return &b.mates.figs[ref.slot]
}

// teamRef is team(id) through ref, which must belong to team id.
func (b *bucket) teamRef(id pb.TeamID, ref *figRef) *acc {
	if id == "" {
		return nil
	}
	if ref.b != b || ref.idx != b.idx {
		*ref = figRef{b: b, idx: b.idx, slot: b.teams.slot(id)}
	}
	return &b.teams.figs[ref.slot]
}

// windows keeps the figures in time buckets, oldest first. Events arrive
// in time order, so a figure always lands in the newest bucket or a new
// one; buckets older than the retention are recycled.
type windows struct {
	res       time.Duration
	retention time.Duration
	buckets   []*bucket
	free      []*bucket
	cur       int64 // index of the latest event's bucket
	curStart  int64 // where the bucket eventIndex found last starts, Unix ns
	curIdx    int64 // its index (zero with curStart: bucket 0 starts at 0)
	dropped   bool  // some bucket has been dropped
	firstKept int64 // index of the oldest bucket that may still be held
}

func (w *windows) index(t time.Time) int64 {
	n, r := t.UnixNano(), int64(w.res)
	q := n / r
	if n%r < 0 {
		q--
	}
	return q
}

// eventIndex is index(t) for the time of an event, which is in the years
// 1970 to 2199: events mostly fall in the bucket of the event before, so it
// checks that bucket's bounds before dividing.
func (w *windows) eventIndex(t time.Time) int64 {
	n := t.UnixNano()
	if n >= w.curStart && n-w.curStart < int64(w.res) {
		return w.curIdx
	}
	idx := w.index(t)
	w.curStart, w.curIdx = idx*int64(w.res), idx
	return idx
}

func (w *windows) start(idx int64) time.Time {
	return time.Unix(0, idx*int64(w.res)).UTC()
}

// at returns the bucket of index idx, which is not below any earlier idx.
func (w *windows) at(idx int64) *bucket {
	if n := len(w.buckets); n > 0 && w.buckets[n-1].idx == idx {
		return w.buckets[n-1]
	}
	w.prune(idx)
	var b *bucket
	if n := len(w.free); n > 0 {
		b, w.free = w.free[n-1], w.free[:n-1]
	} else {
		b = new(bucket)
	}
	b.idx = idx
	w.buckets = append(w.buckets, b)
	return b
}

// advance moves the clock to the bucket of index idx, dropping the
// buckets that fall out of the retention.
func (w *windows) advance(idx int64) {
	if idx != w.cur {
		w.cur = idx
		w.prune(idx)
	}
}

// prune recycles the buckets that fall out of the retention once the
// newest bucket is idx.
func (w *windows) prune(idx int64) {
	if w.retention <= 0 {
		return
	}
	keep := idx - int64(w.retention/w.res)
	i := 0
	for i < len(w.buckets) && w.buckets[i].idx < keep {
		b := w.buckets[i]
		b.all = acc{}
		b.teams.reset()
		b.mates.reset()
		w.free = append(w.free, b)
		w.buckets[i] = nil
		i++
	}
	if i > 0 {
		w.buckets = w.buckets[i:]
		w.dropped = true
	}
	if keep > w.firstKept {
		w.firstKept = keep
	}
}

func (w *windows) report(from, to time.Time) Report {
	lo, hi := w.index(from), w.index(to)
	r := Report{
		From:      w.start(lo),
		To:        w.start(hi),
		Partial:   w.dropped && lo < w.firstKept,
		Teams:     map[pb.TeamID]Figures{},
		Teammates: map[pb.TeammateID]Figures{},
	}
	for _, b := range w.buckets {
		if b.idx < lo || b.idx >= hi {
			continue
		}
		r.Total.mergeAcc(&b.all)
		b.teams.mergeInto(r.Teams)
		b.mates.mergeInto(r.Teammates)
	}
	return r
}

// bucket returns the bucket of the event being folded: its index is
// computed once per event, when the event's order has been checked.
func (c *Collector) bucket() *bucket { return c.win.at(c.nowIdx) }
