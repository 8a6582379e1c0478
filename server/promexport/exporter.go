// Package promexport exports the call metrics to Prometheus, under the
// prefix phonebalance_, in base units (seconds), with the team as a label
// and the workspace as labels and never a call or teammate ID.
//
// The exporter keeps no numbers of its own: at each scrape it reads the
// metrics.Collector behind the dashboard (its Totals for the counters and
// histograms, its live Dashboard for the gauges) and mirrors them with
// const metrics, client_golang's pattern for numbers kept elsewhere. So
// /metrics and the dashboard agree, and the collector is the one fold of
// the event stream. See [Exporter] for the metric set.
package promexport

import (
	"slices"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/server/advice"
	"github.com/prometheus/client_golang/prometheus"
)

// Namespace is the prefix of every metric.
const Namespace = "phonebalance"

// AnswerWaitBuckets are the bucket bounds of phonebalance_answer_wait_seconds
// (metrics.AnswerWaitBounds in seconds): the common service-level points
// (10, 20, 30, 60 s) among them.
var AnswerWaitBuckets = inSeconds(metrics.AnswerWaitBounds)

// QueueWaitBuckets are the bucket bounds of phonebalance_queue_wait_seconds
// (metrics.QueueWaitBounds in seconds).
var QueueWaitBuckets = inSeconds(metrics.QueueWaitBounds)

// TalkBuckets are the bucket bounds of phonebalance_talk_seconds
// (metrics.TalkBounds in seconds).
var TalkBuckets = inSeconds(metrics.TalkBounds)

// Config configures an [Exporter].
type Config struct {
	// Workspaces returns, at each scrape, the workspaces to export, each
	// with its series labelled workspace="<ID>". Nil exports nothing.
	Workspaces func() []Source
}

// Source is one workspace's metrics, as [Config.Workspaces] gives them.
type Source struct {
	// Workspace is the workspace's ID, the value of the workspace label.
	Workspace string
	// Collector runs fn with the workspace's metrics collector under its
	// lock; fn does not keep it. Nil exports no call metrics
	// (events_total stays 0).
	Collector func(fn func(c *metrics.Collector))
	// Teams returns the teams that exist now (the engine's), so that each
	// has its series, at 0, before any event names it; nil means the
	// teams the collector knows only.
	Teams func() []pb.TeamID
	// Advice returns the staffing advice at scrape time; nil exports no
	// staffing gauges.
	Advice func() []advice.TeamAdvice
}

// Exporter is a prometheus.Collector with these metrics:
//
//	phonebalance_calls_in_queue{workspace,team}                   gauge: inbound calls waiting, ringing included (MT1)
//	phonebalance_calls_active{workspace,team}                     gauge: answered inbound calls ongoing (MT2)
//	phonebalance_teammates_available_for_phone{workspace,team}    gauge: members available for phone or on a call (MT9)
//	phonebalance_calls_offered_total{workspace,team}              counter: calls entering the team's queue (each queue segment)
//	phonebalance_calls_answered_total{workspace,team}             counter: answers (each answered segment)
//	phonebalance_calls_abandoned_total{workspace,team,phase}      counter: inbound calls the customer hung up on before a
//	                                                    teammate or voicemail took them, or on hold (MT4); phase is
//	                                                    where: routing, queued, ringing, on_hold, voicemail
//	phonebalance_calls_deflected_total{workspace,team,reason}     counter: deflections; reason queue_full, no_teammates,
//	                                                    workspace_closed, team_closed, hold_timeout
//	phonebalance_callbacks_total{workspace,team}        counter: callback requests of calls in the team (MT15)
//	phonebalance_callbacks_unreached_total{workspace,team} counter: callbacks whose dial-back did not reach the
//	                                                    customer (LC5)
//	phonebalance_ring_outcomes_total{workspace,team,outcome}      counter: how each ring ended: answered, missed, declined,
//	                                                    or canceled (the call left the queue or ended)
//	phonebalance_answer_wait_seconds{workspace,team}              histogram: placed to first answer (MT8)
//	phonebalance_talk_seconds{workspace,team}                     histogram: talk time of each answered segment, hold excluded
//	phonebalance_queue_wait_seconds{workspace,team}               histogram: time in the team's queue of each queue segment,
//	                                                    ringing included, observed when it ends (MT10)
//	phonebalance_events_total{workspace}                counter: events folded (every kind); present from the start
//	phonebalance_staffing_arrivals_per_second{workspace,team}     gauge: inbound arrival rate over the advice window
//	phonebalance_staffing_handle_seconds{workspace,team}          gauge: mean handle time (talk, hold, wrap-up) over the window
//	phonebalance_staffing_teammates_needed{workspace,team}        gauge: teammates the team's service-level target needs under
//	                                                    Erlang C (absent while no finished call sizes the team, or
//	                                                    when no number of teammates reaches the target)
//	phonebalance_staffing_target_ratio{workspace,team}            gauge: the target's fraction answered within ...
//	phonebalance_staffing_target_seconds{workspace,team}          gauge: ... this many seconds (e.g. 0.8 within 20)
//
// Every series has the workspace label first. Every team has each series, with every phase, reason and outcome, from
// the moment it exists (Config.Teams) or the collector knows it: at 0,
// not absent, so rates and sums over teams work from the start.
//
// An Exporter keeps no state besides its descriptions: each Collect reads
// the collector once, under its lock, and copies what it exports. It is
// safe for concurrent use and never reads the clock.
type Exporter struct {
	cfg Config

	offered, answered, abandoned, deflected, rings              *prometheus.Desc
	callbacks, unreached                                        *prometheus.Desc
	answerWait, talk, queueWait, events                         *prometheus.Desc
	inQueue, active, available                                  *prometheus.Desc
	arrivalsDesc, handleDesc, neededDesc, ratioDesc, withinDesc *prometheus.Desc
}

// The label values of the labelled counters, in their export order.
var (
	phases = []eventlog.Stage{eventlog.StageRouting, eventlog.StageQueued, eventlog.StageRinging,
		eventlog.StageOnHold, eventlog.StageVoicemail}
	reasons = []eventlog.Deflection{eventlog.DeflectQueueFull, eventlog.DeflectNoTeammates,
		eventlog.DeflectWorkspaceClosed, eventlog.DeflectTeamClosed, eventlog.DeflectHoldTimeout}
	outcomes = []metrics.RingOutcome{metrics.RingAnswered, metrics.RingMissed, metrics.RingDeclined, metrics.RingCanceled}
)

// New returns an exporter reading what cfg gives.
func New(cfg Config) *Exporter {
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, append([]string{"workspace"}, labels...), nil)
	}
	return &Exporter{
		cfg:          cfg,
		offered:      desc("calls_offered_total", "Calls that entered the team's queue (each queue segment).", "team"),
		answered:     desc("calls_answered_total", "Calls answered in the team (each answered segment).", "team"),
		abandoned:    desc("calls_abandoned_total", "Inbound calls the customer hung up on before answer, or on hold, by where.", "team", "phase"),
		deflected:    desc("calls_deflected_total", "Calls deflected instead of queued, by reason.", "team", "reason"),
		rings:        desc("ring_outcomes_total", "Rings by how they ended.", "team", "outcome"),
		callbacks:    desc("callbacks_total", "Callback requests of calls in the team.", "team"),
		unreached:    desc("callbacks_unreached_total", "Callbacks whose dial-back did not reach the customer.", "team"),
		answerWait:   desc("answer_wait_seconds", "Time from a call's placement to its first answer.", "team"),
		talk:         desc("talk_seconds", "Talk time of each answered call segment, hold excluded.", "team"),
		queueWait:    desc("queue_wait_seconds", "Time in the team's queue of each queue segment, ringing included.", "team"),
		events:       desc("events_total", "Events of the log folded into these metrics."),
		inQueue:      desc("calls_in_queue", "Inbound calls waiting in the team's queue now, ringing included.", "team"),
		active:       desc("calls_active", "Answered inbound calls ongoing now.", "team"),
		available:    desc("teammates_available_for_phone", "Team members available for phone calls or on one now.", "team"),
		arrivalsDesc: desc("staffing_arrivals_per_second", "Inbound calls arriving per second over the advice window.", "team"),
		handleDesc:   desc("staffing_handle_seconds", "Mean handle time of the calls finished over the advice window.", "team"),
		neededDesc:   desc("staffing_teammates_needed", "Teammates the service-level target needs (Erlang C).", "team"),
		ratioDesc:    desc("staffing_target_ratio", "Service-level target: the fraction of calls answered within the target time.", "team"),
		withinDesc:   desc("staffing_target_seconds", "Service-level target: the answer time the target fraction must meet.", "team"),
	}
}

// Describe implements prometheus.Collector.
func (x *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{x.offered, x.answered, x.abandoned, x.deflected, x.rings, x.callbacks, x.unreached,
		x.answerWait, x.talk, x.queueWait, x.events, x.inQueue, x.active, x.available,
		x.arrivalsDesc, x.handleDesc, x.neededDesc, x.ratioDesc, x.withinDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: it reads each workspace's
// collector once, under its lock, then exports a copy.
func (x *Exporter) Collect(ch chan<- prometheus.Metric) {
	if x.cfg.Workspaces == nil {
		return
	}
	for _, src := range x.cfg.Workspaces() {
		x.collectWorkspace(ch, src)
	}
}

// collectWorkspace exports one workspace's series.
func (x *Exporter) collectWorkspace(ch chan<- prometheus.Metric, src Source) {
	var totals metrics.Totals
	var live metrics.Dashboard
	if src.Collector != nil {
		src.Collector(func(c *metrics.Collector) {
			totals = c.Totals()
			live = c.Dashboard(time.Time{})
		})
	}
	ch <- prometheus.MustNewConstMetric(x.events, prometheus.CounterValue, float64(totals.Events), src.Workspace)
	if src.Collector != nil {
		for _, team := range teams(src, totals, live) {
			x.collectTeam(ch, src.Workspace, team, totals.Teams[team], live.Teams[team])
		}
	}
	x.collectAdvice(ch, src)
}

// teams returns every team of src to export, sorted: the collector's and
// those Source.Teams names.
func teams(src Source, totals metrics.Totals, live metrics.Dashboard) []pb.TeamID {
	ids := make([]pb.TeamID, 0, len(totals.Teams)+len(live.Teams))
	for id := range totals.Teams {
		ids = append(ids, id)
	}
	for id := range live.Teams {
		ids = append(ids, id)
	}
	if src.Teams != nil {
		ids = append(ids, src.Teams()...)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// collectTeam exports one team's series; a zero TeamTotals (a team the
// collector does not know yet) exports zeros.
func (x *Exporter) collectTeam(ch chan<- prometheus.Metric, ws string, team pb.TeamID, t metrics.TeamTotals, v metrics.TeamView) {
	id := string(team)
	counter := func(d *prometheus.Desc, n uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(n), append([]string{ws, id}, labels...)...)
	}
	gauge := func(d *prometheus.Desc, n int) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(n), ws, id)
	}
	counter(x.offered, t.Offered)
	counter(x.answered, t.Answered)
	counter(x.callbacks, t.Callbacks)
	counter(x.unreached, t.CallbacksUnreached)
	for _, p := range phases {
		counter(x.abandoned, t.Abandoned[p], p.String())
	}
	for _, r := range reasons {
		counter(x.deflected, t.Deflected[r], r.String())
	}
	for _, o := range outcomes {
		counter(x.rings, t.Rings[o], o.String())
	}
	x.histogram(ch, x.answerWait, ws, id, t.AnswerWait, AnswerWaitBuckets)
	x.histogram(ch, x.talk, ws, id, t.Talk, TalkBuckets)
	x.histogram(ch, x.queueWait, ws, id, t.QueueWait, QueueWaitBuckets)
	gauge(x.inQueue, v.InQueue)
	gauge(x.active, v.Active)
	gauge(x.available, v.AvailableForPhone)
}

// histogram exports h (empty for a team the collector does not know yet)
// with the given bounds in seconds.
func (x *Exporter) histogram(ch chan<- prometheus.Metric, d *prometheus.Desc, ws, team string, h metrics.Histogram, bounds []float64) {
	buckets := make(map[float64]uint64, len(bounds))
	var cum []uint64
	if len(h.Counts) > 0 {
		cum = h.Cumulative()
	}
	for i, b := range bounds {
		if i < len(cum) {
			buckets[b] = cum[i]
		} else {
			buckets[b] = 0
		}
	}
	ch <- prometheus.MustNewConstHistogram(d, h.Count, h.Sum.Seconds(), buckets, ws, team)
}

func inSeconds(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = d.Seconds()
	}
	return out
}

// collectAdvice exports the staffing gauges of every team src's advice
// covers. A team whose handle time is not known yet has no "needed" gauge
// (Needed is 0 then), nor one whose target no staffing reaches (-1).
func (x *Exporter) collectAdvice(ch chan<- prometheus.Metric, src Source) {
	if src.Advice == nil {
		return
	}
	ws := src.Workspace
	for _, a := range src.Advice() {
		t := string(a.Team)
		ch <- prometheus.MustNewConstMetric(x.arrivalsDesc, prometheus.GaugeValue, a.ArrivalsPerHour/3600, ws, t)
		ch <- prometheus.MustNewConstMetric(x.handleDesc, prometheus.GaugeValue, a.MeanHandle.Seconds(), ws, t)
		if a.MeanHandle > 0 && a.Needed >= 0 {
			ch <- prometheus.MustNewConstMetric(x.neededDesc, prometheus.GaugeValue, float64(a.Needed), ws, t)
		}
		ch <- prometheus.MustNewConstMetric(x.ratioDesc, prometheus.GaugeValue, a.Target.Fraction, ws, t)
		ch <- prometheus.MustNewConstMetric(x.withinDesc, prometheus.GaugeValue, a.Target.Within.Seconds(), ws, t)
	}
}
