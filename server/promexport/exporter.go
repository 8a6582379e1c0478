// Package promexport exports the call metrics to Prometheus, under the
// prefix phonebalance_, in base units (seconds), with the team as a label
// and never a call or teammate ID.
//
// Counters and histograms are a fold of the event stream, the same stream
// the metrics.Collector behind the dashboard observes, in the same order;
// gauges are read at scrape time from the collector's live dashboard. So
// /metrics and the dashboard agree. See [Exporter] for the metric set.
package promexport

import (
	"sync"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/server/advice"
	"github.com/prometheus/client_golang/prometheus"
)

// Namespace is the prefix of every metric.
const Namespace = "phonebalance"

// AnswerWaitBuckets are the bucket bounds of phonebalance_answer_wait_seconds:
// the common service-level points (10, 20, 30, 60 s) among them.
var AnswerWaitBuckets = []float64{5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600}

// TalkBuckets are the bucket bounds of phonebalance_talk_seconds.
var TalkBuckets = []float64{15, 30, 60, 120, 180, 300, 600, 900, 1800, 3600}

// Config configures an [Exporter].
type Config struct {
	// Dashboard returns the live dashboard at scrape time, read under the
	// collector's lock; nil exports no gauges.
	Dashboard func() metrics.Dashboard
	// Advice returns the staffing advice at scrape time; nil exports no
	// staffing gauges.
	Advice func() []advice.TeamAdvice
}

// Exporter is a prometheus.Collector with these metrics:
//
//	phonebalance_calls_in_queue{team}                   gauge: inbound calls waiting, ringing included (MT1)
//	phonebalance_calls_active{team}                     gauge: answered inbound calls ongoing (MT2)
//	phonebalance_teammates_available_for_phone{team}    gauge: members available for phone or on a call (MT9)
//	phonebalance_calls_offered_total{team}              counter: calls entering the team's queue (each queue segment)
//	phonebalance_calls_answered_total{team}             counter: answers (each answered segment)
//	phonebalance_calls_abandoned_total{team,phase}      counter: inbound calls the customer hung up on before a
//	                                                    teammate or voicemail took them, or on hold (MT4); phase is
//	                                                    where: routing, queued, ringing, on_hold, voicemail
//	phonebalance_calls_deflected_total{team,reason}     counter: deflections; reason queue_full, no_teammates,
//	                                                    workspace_closed, team_closed, hold_timeout
//	phonebalance_ring_outcomes_total{team,outcome}      counter: how each ring ended: answered, missed, declined,
//	                                                    or canceled (the call left the queue or ended)
//	phonebalance_answer_wait_seconds{team}              histogram: placed to first answer (MT8)
//	phonebalance_talk_seconds{team}                     histogram: talk time of each answered segment, hold excluded
//	phonebalance_events_total                           counter: events folded (every kind); present from the start
//	phonebalance_staffing_arrivals_per_second{team}     gauge: inbound arrival rate over the advice window
//	phonebalance_staffing_handle_seconds{team}          gauge: mean handle time (talk, hold, wrap-up) over the window
//	phonebalance_staffing_teammates_needed{team}        gauge: teammates the team's service-level target needs under
//	                                                    Erlang C (absent while no finished call sizes the team, or
//	                                                    when no number of teammates reaches the target)
//	phonebalance_staffing_target_ratio{team}            gauge: the target's fraction answered within ...
//	phonebalance_staffing_target_seconds{team}          gauge: ... this many seconds (e.g. 0.8 within 20)
//
// Observe must be fed every event in the engine's order. An Exporter is
// safe for concurrent use; it never reads the clock (durations come from
// event times).
type Exporter struct {
	dashboard func() metrics.Dashboard

	mu    sync.Mutex
	calls map[pb.CallID]*callTrack

	offered, answered, abandoned, deflected, rings *prometheus.CounterVec
	answerWait, talk                               *prometheus.HistogramVec
	eventsDesc                                     *prometheus.Desc
	events                                         uint64 // guarded by mu
	inQueueDesc, activeDesc, availableDesc         *prometheus.Desc

	advice                                                      func() []advice.TeamAdvice
	arrivalsDesc, handleDesc, neededDesc, ratioDesc, withinDesc *prometheus.Desc
}

// callTrack is what the fold keeps per call in progress; it is released
// at the call's terminal event, so memory is bounded by calls in progress.
type callTrack struct {
	inbound   bool
	placed    time.Time
	team      pb.TeamID // current queue segment's team
	ringing   pb.TeammateID
	ringTeam  pb.TeamID
	answered  bool // answered once (for answer wait)
	inLeg     bool // an answered segment is ongoing
	talking   bool
	talkFrom  time.Time
	talked    time.Duration
	legTeam   pb.TeamID
	voicemail bool // a voicemail was recorded
}

// New returns an exporter with every counter at zero.
func New(cfg Config) *Exporter {
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	}
	histogram := func(name, help string, buckets []float64) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help,
			Buckets: buckets}, []string{"team"})
	}
	gauge := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, []string{"team"}, nil)
	}
	return &Exporter{
		dashboard: cfg.Dashboard,
		calls:     map[pb.CallID]*callTrack{},
		offered:   counter("calls_offered_total", "Calls that entered the team's queue (each queue segment).", "team"),
		answered:  counter("calls_answered_total", "Calls answered in the team (each answered segment).", "team"),
		abandoned: counter("calls_abandoned_total", "Inbound calls the customer hung up on before answer, or on hold, by where.", "team", "phase"),
		deflected: counter("calls_deflected_total", "Calls deflected instead of queued, by reason.", "team", "reason"),
		rings:     counter("ring_outcomes_total", "Rings by how they ended.", "team", "outcome"),
		answerWait: histogram("answer_wait_seconds", "Time from a call's placement to its first answer.",
			AnswerWaitBuckets),
		eventsDesc: prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", "events_total"),
			"Events of the log folded into these metrics.", nil, nil),
		talk:          histogram("talk_seconds", "Talk time of each answered call segment, hold excluded.", TalkBuckets),
		inQueueDesc:   gauge("calls_in_queue", "Inbound calls waiting in the team's queue now, ringing included."),
		activeDesc:    gauge("calls_active", "Answered inbound calls ongoing now."),
		availableDesc: gauge("teammates_available_for_phone", "Team members available for phone calls or on one now."),
		advice:        cfg.Advice,
		arrivalsDesc:  gauge("staffing_arrivals_per_second", "Inbound calls arriving per second over the advice window."),
		handleDesc:    gauge("staffing_handle_seconds", "Mean handle time of the calls finished over the advice window."),
		neededDesc:    gauge("staffing_teammates_needed", "Teammates the service-level target needs (Erlang C)."),
		ratioDesc:     gauge("staffing_target_ratio", "Service-level target: the fraction of calls answered within the target time."),
		withinDesc:    gauge("staffing_target_seconds", "Service-level target: the answer time the target fraction must meet."),
	}
}

// Describe implements prometheus.Collector.
func (x *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range x.vecs() {
		c.Describe(ch)
	}
	ch <- x.eventsDesc
	ch <- x.inQueueDesc
	ch <- x.activeDesc
	ch <- x.availableDesc
	ch <- x.arrivalsDesc
	ch <- x.handleDesc
	ch <- x.neededDesc
	ch <- x.ratioDesc
	ch <- x.withinDesc
}

// Collect implements prometheus.Collector. It reads the dashboard once.
func (x *Exporter) Collect(ch chan<- prometheus.Metric) {
	for _, c := range x.vecs() {
		c.Collect(ch)
	}
	x.mu.Lock()
	events := x.events
	x.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(x.eventsDesc, prometheus.CounterValue, float64(events))
	x.collectAdvice(ch)
	if x.dashboard == nil {
		return
	}
	d := x.dashboard()
	for team, v := range d.Teams {
		t := string(team)
		ch <- prometheus.MustNewConstMetric(x.inQueueDesc, prometheus.GaugeValue, float64(v.InQueue), t)
		ch <- prometheus.MustNewConstMetric(x.activeDesc, prometheus.GaugeValue, float64(v.Active), t)
		ch <- prometheus.MustNewConstMetric(x.availableDesc, prometheus.GaugeValue, float64(v.AvailableForPhone), t)
	}
}

func (x *Exporter) vecs() []prometheus.Collector {
	return []prometheus.Collector{x.offered, x.answered, x.abandoned, x.deflected, x.rings, x.answerWait, x.talk}
}

// Reset sets every counter and histogram back to zero and forgets the
// calls in progress, before the stream is folded again from its start
// (after the replica restored a snapshot).
func (x *Exporter) Reset() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.calls = map[pb.CallID]*callTrack{}
	x.events = 0
	x.offered.Reset()
	x.answered.Reset()
	x.abandoned.Reset()
	x.deflected.Reset()
	x.rings.Reset()
	x.answerWait.Reset()
	x.talk.Reset()
}

// Observe folds one event. Events of calls the exporter did not see
// placed are counted where they can be and otherwise ignored.
func (x *Exporter) Observe(ev eventlog.Event) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.events++
	if !ev.Kind.IsCall() {
		return
	}
	c := x.calls[ev.Call]
	if ev.Kind == eventlog.CallPlaced {
		c = &callTrack{inbound: ev.Direction == pb.Inbound, placed: ev.At, team: ev.Team}
		x.calls[ev.Call] = c
		return
	}
	if c == nil {
		return // AbandonedAssignment after the end, or a call from before the stream
	}
	switch ev.Kind {
	case eventlog.CallQueued:
		c.team = ev.Team
		x.offered.WithLabelValues(string(ev.Team)).Inc()
	case eventlog.CallOffered:
		c.ringing, c.ringTeam = ev.Teammate, ev.Team
	case eventlog.CallAnswered:
		if c.ringing == ev.Teammate {
			x.ring(c, "answered")
		} else {
			x.ring(c, "canceled")
		}
		x.answered.WithLabelValues(string(ev.Team)).Inc()
		if !c.answered {
			c.answered = true
			x.answerWait.WithLabelValues(string(ev.Team)).Observe(ev.At.Sub(c.placed).Seconds())
		}
		c.inLeg, c.talking, c.talkFrom, c.talked, c.legTeam = true, true, ev.At, 0, ev.Team
	case eventlog.CallDeclined:
		x.ring(c, "declined")
	case eventlog.CallMissed:
		x.ring(c, "missed")
	case eventlog.CallDeflected:
		x.ring(c, "canceled")
		x.deflected.WithLabelValues(string(ev.Team), ev.Deflection.String()).Inc()
	case eventlog.VoicemailStarted, eventlog.CallbackRequested:
		x.ring(c, "canceled")
	case eventlog.VoicemailRecorded:
		c.voicemail = true
	case eventlog.CallOnHold:
		if c.talking {
			c.talked += ev.At.Sub(c.talkFrom)
			c.talking = false
		}
	case eventlog.CallResumed:
		if c.inLeg && !c.talking {
			c.talking, c.talkFrom = true, ev.At
		}
	case eventlog.CallTransferred:
		x.endLeg(c, ev.At)
	case eventlog.CallEndedBeforeAnswer:
		x.ring(c, "canceled")
		if c.inbound {
			x.abandoned.WithLabelValues(string(c.team), ev.Stage.String()).Inc()
		}
		delete(x.calls, ev.Call)
	case eventlog.CallEnded:
		x.ring(c, "canceled")
		x.endLeg(c, ev.At)
		if c.inbound && ev.By == eventlog.ByCustomer {
			switch ev.Stage {
			case eventlog.StageRouting, eventlog.StageQueued, eventlog.StageRinging, eventlog.StageOnHold:
				x.abandoned.WithLabelValues(string(c.team), ev.Stage.String()).Inc()
			case eventlog.StageVoicemail:
				if !c.voicemail {
					x.abandoned.WithLabelValues(string(c.team), ev.Stage.String()).Inc()
				}
			}
		}
		delete(x.calls, ev.Call)
	}
}

// ring ends the call's ring in progress, if any, with outcome.
func (x *Exporter) ring(c *callTrack, outcome string) {
	if c.ringing == "" {
		return
	}
	x.rings.WithLabelValues(string(c.ringTeam), outcome).Inc()
	c.ringing, c.ringTeam = "", ""
}

// endLeg observes the talk time of the answered segment in progress.
func (x *Exporter) endLeg(c *callTrack, at time.Time) {
	if !c.inLeg {
		return
	}
	if c.talking {
		c.talked += at.Sub(c.talkFrom)
	}
	x.talk.WithLabelValues(string(c.legTeam)).Observe(c.talked.Seconds())
	c.inLeg, c.talking, c.talked = false, false, 0
}

// collectAdvice exports the staffing gauges of every team the advice
// covers. A team whose handle time is not known yet has no "needed" gauge
// (Needed is 0 then), nor one whose target no staffing reaches (-1).
func (x *Exporter) collectAdvice(ch chan<- prometheus.Metric) {
	if x.advice == nil {
		return
	}
	for _, a := range x.advice() {
		t := string(a.Team)
		ch <- prometheus.MustNewConstMetric(x.arrivalsDesc, prometheus.GaugeValue, a.ArrivalsPerHour/3600, t)
		ch <- prometheus.MustNewConstMetric(x.handleDesc, prometheus.GaugeValue, a.MeanHandle.Seconds(), t)
		if a.MeanHandle > 0 && a.Needed >= 0 {
			ch <- prometheus.MustNewConstMetric(x.neededDesc, prometheus.GaugeValue, float64(a.Needed), t)
		}
		ch <- prometheus.MustNewConstMetric(x.ratioDesc, prometheus.GaugeValue, a.Target.Fraction, t)
		ch <- prometheus.MustNewConstMetric(x.withinDesc, prometheus.GaugeValue, a.Target.Within.Seconds(), t)
	}
}
