package sim

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
)

// Summary is the machine-readable digest of a run, for -json output.
type Summary struct {
	Calls            int            `json:"calls"`
	Queued           int            `json:"queued"`
	Answered         int            `json:"answered"`
	Abandoned        int            `json:"abandoned"`
	Deflected        int            `json:"deflected"`
	DeflectedBy      map[string]int `json:"deflected_by"`
	Rings            int            `json:"rings"`
	Missed           int            `json:"missed"`
	Declined         int            `json:"declined"`
	DeclinedBy       map[string]int `json:"declined_by"`
	PWait            float64        `json:"p_wait"`
	ASASeconds       float64        `json:"asa_seconds"`
	AnswerP50Seconds float64        `json:"answer_p50_seconds"`
	AnswerP90Seconds float64        `json:"answer_p90_seconds"`
	AnswerP99Seconds float64        `json:"answer_p99_seconds"`
	ServiceLevel     float64        `json:"service_level"`
	AbandonRate      float64        `json:"abandon_rate"`
	Occupancy        float64        `json:"occupancy"`
	TalkHours        float64        `json:"talk_hours"`
	PerTeammateMin   int            `json:"per_teammate_min"`
	PerTeammateMax   int            `json:"per_teammate_max"`
	PerTeammateMean  float64        `json:"per_teammate_mean"`
	PerTeammateStd   float64        `json:"per_teammate_std"`
	Gini             float64        `json:"gini"`
	EngineEvents     int            `json:"engine_events"`
	// WallMS is the run's own wall time; Run does not read the clock, so
	// the caller fills it in.
	WallMS float64 `json:"wall_ms"`
}

// Summary returns the digest of r; WallMS is left zero.
func (r *Result) Summary() Summary {
	b := r.Balance()
	s := Summary{
		Calls: r.Calls, Queued: r.Queued, Answered: r.Answered, Abandoned: r.Abandoned,
		Deflected: r.DeflectedTotal(), DeflectedBy: map[string]int{},
		Rings: r.Rings, Missed: r.Missed, Declined: r.DeclinedTotal(), DeclinedBy: map[string]int{},
		PWait: r.PWait(), ASASeconds: r.ASA(),
		AnswerP50Seconds: r.AnswerTimePercentile(50).Seconds(),
		AnswerP90Seconds: r.AnswerTimePercentile(90).Seconds(),
		AnswerP99Seconds: r.AnswerTimePercentile(99).Seconds(),
		ServiceLevel:     r.ServiceLevel(), AbandonRate: r.AbandonRate(), Occupancy: r.Occupancy(),
		TalkHours: r.TalkTime.Hours(), PerTeammateMin: b.Min, PerTeammateMax: b.Max,
		PerTeammateMean: b.Mean, PerTeammateStd: b.Std, Gini: b.Gini, EngineEvents: r.Events,
	}
	for d, n := range r.Deflected {
		if n > 0 {
			s.DeflectedBy[eventlog.Deflection(d).String()] = n
		}
	}
	for c, n := range r.Declined {
		if n > 0 {
			s.DeclinedBy[eventlog.DeclineCause(c).String()] = n
		}
	}
	return s
}

var deflectionText = map[eventlog.Deflection]string{
	eventlog.DeflectQueueFull:       "queue full",
	eventlog.DeflectNoTeammates:     "nobody online",
	eventlog.DeflectWorkspaceClosed: "workspace closed",
	eventlog.DeflectTeamClosed:      "team closed",
	eventlog.DeflectHoldTimeout:     "waited too long on hold",
}

var declineText = map[eventlog.DeclineCause]string{
	eventlog.DeclineButton:       "Decline button",
	eventlog.DeclineBusy:         "busy",
	eventlog.DeclineConnectivity: "connection lost",
	eventlog.DeclineWentAway:     "went away while ringing",
}

// WriteSummary writes a report a support lead can read.
func (r *Result) WriteSummary(w io.Writer) error {
	c := r.Config
	b := r.Balance()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format+"\n", a...) }
	pct := func(n int) string { return fmt.Sprintf("%d\t%5.1f%%", n, 100*ratio(n, r.Calls)) }

	p("Simulated day: %d teammates, %.0f calls/hour for %v, mean handle %v, wrap-up %v, seed %d",
		c.Teammates, c.Rate, c.Duration, c.HandleTime, c.WrapUp, c.Seed)
	if c.WarmUp > 0 {
		p("(calls placed in the first %v are left out as warm-up)", c.WarmUp)
	}
	p("")
	p("Calls\t")
	p("  offered\t%d", r.Calls)
	p("  answered\t%s", pct(r.Answered))
	p("  abandoned by the customer\t%s", pct(r.Abandoned))
	if r.AbandonedRouting > 0 {
		p("    of which during routing (IVR)\t%d", r.AbandonedRouting)
	}
	p("  deflected\t%s", pct(r.DeflectedTotal()))
	for d := eventlog.DeflectQueueFull; d <= eventlog.DeflectHoldTimeout; d++ {
		if n := r.Deflected[d]; n > 0 {
			p("    %s\t%d", deflectionText[d], n)
		}
	}
	p("  rang straight away\t%d\t%5.1f%% of queued", r.OfferedOnArrival, 100*ratio(r.OfferedOnArrival, r.Queued))
	p("")
	p("Rings\t%d", r.Rings)
	p("  missed (rang out)\t%d", r.Missed)
	p("  declined\t%d", r.DeclinedTotal())
	for d := eventlog.DeclineButton; d <= eventlog.DeclineWentAway; d++ {
		if n := r.Declined[d]; n > 0 {
			p("    %s\t%d", declineText[d], n)
		}
	}
	p("")
	p("Answer time (placing the call to the first answer)\t")
	p("  mean (ASA)\t%v", secs(r.ASA()))
	var ps []string
	for _, q := range []float64{50, 80, 90, 95, 99} {
		ps = append(ps, fmt.Sprintf("p%g %v", q, r.AnswerTimePercentile(q).Round(time.Second)))
	}
	p("  percentiles\t%s", strings.Join(ps, "  "))
	p("  max\t%v", r.AnswerTimePercentile(100).Round(time.Second))
	p("  service level\t%.1f%% answered within %v", 100*r.ServiceLevel(), c.ServiceLevelTarget)
	p("  most calls waiting at once\t%d", r.MaxWaiting)
	p("")
	p("Teammates\t")
	p("  occupancy\t%.1f%% of time not on a break spent on calls or wrap-up", 100*r.Occupancy())
	p("  on a break\t%.1f%% of staffed time", 100*ratio64(float64(r.BreakTime), float64(r.BusyTime+r.AvailableTime+r.BreakTime)))
	p("  talk time\t%.1f h in all, %v per answered call, %v per teammate",
		r.TalkTime.Hours(), avg(r.TalkTime, r.Answered).Round(time.Second), b.MeanTalk.Round(time.Minute))
	p("  calls per teammate\tmean %.1f, min %d (%s), max %d (%s), stddev %.2f, Gini %.3f",
		b.Mean, b.Min, b.MinID, b.Max, b.MaxID, b.Std, b.Gini)
	return tw.Flush()
}

func secs(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(100 * time.Millisecond)
}

func avg(d time.Duration, n int) time.Duration {
	if n == 0 {
		return 0
	}
	return d / time.Duration(n)
}
