package metrics

import (
	"slices"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// Bucket bounds of the histograms of [TeamTotals]: the common
// service-level points (10, 20, 30, 60 s) among the answer and queue
// waits.
var (
	AnswerWaitBounds = seconds(5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600)
	QueueWaitBounds  = seconds(5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600)
	TalkBounds       = seconds(15, 30, 60, 120, 180, 300, 600, 900, 1800, 3600)
)

func seconds(s ...int) []time.Duration {
	out := make([]time.Duration, len(s))
	for i, v := range s {
		out[i] = time.Duration(v) * time.Second
	}
	return out
}

// RingOutcome is how a ring ended, for [TeamTotals.Rings].
type RingOutcome uint8

// The ring outcomes.
const (
	RingAnswered RingOutcome = iota // the teammate rung answered
	RingMissed                      // it timed out
	RingDeclined                    // the teammate declined it
	RingCanceled                    // the call left the queue, ended, or another teammate answered
	ringOutcomes
)

// String returns the outcome's name: answered, missed, declined, canceled.
func (o RingOutcome) String() string {
	switch o {
	case RingAnswered:
		return "answered"
	case RingMissed:
		return "missed"
	case RingDeclined:
		return "declined"
	case RingCanceled:
		return "canceled"
	}
	return "unknown"
}

// Histogram counts durations in the buckets Bounds gives: Counts[i]
// counts the values at most Bounds[i] and above the bounds before it;
// Counts[len(Bounds)] those above every bound.
type Histogram struct {
	// Bounds are shared between histograms: read them, do not modify them.
	Bounds []time.Duration
	Counts []uint64
	Count  uint64
	Sum    time.Duration
}

func newHistogram(bounds []time.Duration) Histogram {
	return Histogram{Bounds: bounds, Counts: make([]uint64, len(bounds)+1)}
}

func (h *Histogram) observe(d time.Duration) {
	i, _ := slices.BinarySearch(h.Bounds, d)
	h.Counts[i]++
	h.Count++
	h.Sum = satAdd(h.Sum, d)
}

// Cumulative returns, for each bound, how many values are at most it
// (Prometheus' buckets).
func (h Histogram) Cumulative() []uint64 {
	out := make([]uint64, len(h.Bounds))
	var n uint64
	for i := range h.Bounds {
		n += h.Counts[i]
		out[i] = n
	}
	return out
}

func (h Histogram) clone() Histogram {
	h.Counts = slices.Clone(h.Counts)
	return h
}

// TeamTotals are one team's counts since the collector's first event:
// they only grow (Prometheus counters mirror them).
type TeamTotals struct {
	// Offered counts the calls that entered the team's queue (each queue
	// segment); Answered the answers in the team (each answered segment).
	Offered, Answered uint64
	// Abandoned counts inbound calls the customer hung up on before a
	// teammate or voicemail took them, or on hold (rule MT4), by where:
	// routing, queued, ringing, on hold, voicemail (before a message).
	Abandoned [eventlog.StageDialing + 1]uint64
	// Deflected counts deflections by reason.
	Deflected [eventlog.DeflectHoldTimeout + 1]uint64
	// Rings counts the rings of the team's calls by how they ended.
	Rings [ringOutcomes]uint64
	// Callbacks counts the callback requests of calls in the team (rule
	// MT15), CallbacksUnreached those callbacks that did not reach the
	// customer when called back; the team is that of the call's current
	// (or last) queue segment.
	Callbacks, CallbacksUnreached uint64
	// AnswerWait holds the time from CallPlaced to the first answer of
	// each inbound call answered in the team (rule MT8), with
	// AnswerWaitBounds.
	AnswerWait Histogram
	// Talk holds the talk time of each answered segment, hold excluded,
	// with TalkBounds.
	Talk Histogram
	// QueueWait holds the time in the team's queue of each queue segment,
	// ringing included, counted on its own when it ends (rule MT10: two
	// transfers to one team are two segments), with QueueWaitBounds.
	QueueWait Histogram
}

func newTeamTotals() *TeamTotals {
	return &TeamTotals{AnswerWait: newHistogram(AnswerWaitBounds), Talk: newHistogram(TalkBounds),
		QueueWait: newHistogram(QueueWaitBounds)}
}

// clone returns a copy of t that shares nothing with it.
func (t *TeamTotals) clone() TeamTotals {
	cp := *t
	cp.AnswerWait, cp.Talk, cp.QueueWait = t.AnswerWait.clone(), t.Talk.clone(), t.QueueWait.clone()
	return cp
}

// Totals are the collector's counts since its first event.
type Totals struct {
	// Events counts the events observed (refused ones excepted).
	Events uint64
	// Teams has every team the collector knows (from a membership or a
	// call), with zero counts for a team that has none yet.
	Teams map[pb.TeamID]TeamTotals
}

// totals is the fold behind Totals.
type totals struct {
	events uint64
	teams  map[pb.TeamID]*TeamTotals
}

// Totals returns the counts since the first event, for every team the
// collector knows. The result is a copy that belongs to the caller. It
// costs O(teams) and does not change the collector.
func (c *Collector) Totals() Totals {
	out := Totals{Events: c.tot.events, Teams: make(map[pb.TeamID]TeamTotals, len(c.teams))}
	for id := range c.teams {
		if t := c.tot.teams[id]; t != nil {
			out.Teams[id] = t.clone()
		} else {
			out.Teams[id] = *newTeamTotals()
		}
	}
	for id, t := range c.tot.teams { // a team seen on a deflection only
		if _, ok := out.Teams[id]; !ok {
			out.Teams[id] = t.clone()
		}
	}
	return out
}

// team returns team id's totals, created if new.
func (t *totals) team(id pb.TeamID) *TeamTotals {
	if t.teams == nil {
		t.teams = make(map[pb.TeamID]*TeamTotals, 8)
	}
	tt := t.teams[id]
	if tt == nil {
		tt = newTeamTotals()
		t.teams[id] = tt
	}
	return tt
}

// count folds a call event the collector accepted into the totals; cl is
// its call as it was before the event, which apply then changes.
func (t *totals) count(e *eventlog.Event, cl *call) {
	switch e.Kind {
	case eventlog.CallQueued:
		t.team(e.Team).Offered++
	case eventlog.CallAnswered:
		t.ring(cl, RingCanceled, e.Teammate)
		tt := t.team(e.Team)
		tt.Answered++
		if !cl.answered {
			tt.AnswerWait.observe(e.At.Sub(cl.placedAt))
		}
		cl.held = 0
	case eventlog.CallDeclined:
		t.ring(cl, RingDeclined, "")
	case eventlog.CallMissed:
		t.ring(cl, RingMissed, "")
	case eventlog.CallDeflected:
		t.ring(cl, RingCanceled, "")
		team := e.Team
		if team == "" {
			team = cl.team
		}
		if e.Deflection.Valid() {
			t.team(team).Deflected[e.Deflection]++
		}
	case eventlog.VoicemailStarted:
		t.ring(cl, RingCanceled, "")
	case eventlog.CallbackRequested:
		// It stops no ring: a kept callback rings on, and the CallEnded
		// that follows any other counts the ring's end.
		if !cl.callback {
			t.team(cl.team).Callbacks++
		}
	case eventlog.CallbackUnreached:
		if !cl.unreached {
			t.team(cl.team).CallbacksUnreached++
		}
	case eventlog.CallOnHold:
		if cl.dir == pb.Inbound {
			cl.held += e.At.Sub(cl.talkSince)
		}
	case eventlog.CallTransferred:
		t.endSegment(e, cl)
	case eventlog.CallEndedBeforeAnswer:
		t.ring(cl, RingCanceled, "")
		if cl.dir == pb.Inbound && e.Stage.Valid() {
			t.team(cl.team).Abandoned[e.Stage]++
		}
	case eventlog.CallEnded:
		t.ring(cl, RingCanceled, "")
		t.endSegment(e, cl)
		if cl.dir != pb.Inbound || e.By != eventlog.ByCustomer {
			return
		}
		switch e.Stage {
		case eventlog.StageRouting, eventlog.StageQueued, eventlog.StageRinging, eventlog.StageOnHold:
			t.team(cl.team).Abandoned[e.Stage]++
		case eventlog.StageVoicemail:
			if !cl.vmRecorded {
				t.team(cl.team).Abandoned[e.Stage]++
			}
		}
	}
}

// ring counts how the ring in progress, if any, ended: answered if
// answeredBy is the teammate rung, else outcome.
func (t *totals) ring(cl *call, outcome RingOutcome, answeredBy pb.TeammateID) {
	if cl.stage != stRinging {
		return
	}
	if answeredBy != "" && answeredBy == cl.ringing {
		outcome = RingAnswered
	}
	t.team(cl.team).Rings[outcome]++
}

// endSegment observes the talk time of the answered inbound segment in
// progress, if any.
func (t *totals) endSegment(e *eventlog.Event, cl *call) {
	if cl.dir != pb.Inbound || (cl.stage != stTalking && cl.stage != stOnHold) {
		return
	}
	talked := cl.held
	cl.held = 0
	if cl.stage == stTalking {
		talked += e.At.Sub(cl.talkSince)
	}
	t.team(cl.talkTeam).Talk.observe(talked)
}
