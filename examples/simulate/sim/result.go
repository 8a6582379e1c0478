package sim

import (
	"math"
	"slices"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// Result is what one run measured. Call counts cover the calls placed at
// or after Config.WarmUp; time integrals cover [WarmUp, Duration], the
// staffed day. A Result is a plain value, safe to share once Run returns.
type Result struct {
	// Config is the configuration that produced the result.
	Config Config

	// Calls is the number of inbound calls placed.
	Calls int
	// Queued is the number that reached the team's queue (not deflected on
	// arrival, not abandoned while routing).
	Queued int
	// OfferedOnArrival is the number of queued calls that rang a teammate
	// at once, from the very command that queued them; the rest waited.
	OfferedOnArrival int
	// Answered is the number answered by a teammate.
	Answered int
	// Abandoned is the number the customer hung up before an answer;
	// AbandonedRouting of them during routing (IVR).
	Abandoned, AbandonedRouting int
	// Deflected counts deflected calls by reason (index: the
	// eventlog.Deflection value); see [Result.DeflectedTotal].
	Deflected [8]int

	// Rings is the number of times a teammate's phone rang for a call.
	Rings int
	// Missed is the number of rings that timed out.
	Missed int
	// Declined counts declined rings by cause (index: the
	// eventlog.DeclineCause value); see [Result.DeclinedTotal].
	Declined [8]int

	// AnswerTimes are the answered calls' answer times, from placing the
	// call to the first answer (routing and queue included), ascending.
	AnswerTimes []time.Duration
	// AnswerTimeSum is their sum, kept exact for the mean.
	AnswerTimeSum time.Duration
	// WithinTarget is the number answered within Config.ServiceLevelTarget.
	WithinTarget int
	// TalkTime is the total talk time of the answered calls.
	TalkTime time.Duration

	// Teammates holds per-teammate figures, in teammate order.
	Teammates []TeammateResult

	// BusyTime, AvailableTime and BreakTime integrate, over the staffed
	// day, the teammates on a call or in wrap-up, those Active (idle or
	// ringing), and those away on a break.
	BusyTime, AvailableTime, BreakTime time.Duration

	// Series samples the load over the whole run, every Config.SampleEvery.
	Series []Sample
	// MaxWaiting is the most calls waiting at once (ringing ones included).
	MaxWaiting int
	// End is when the last call ended, in simulated time from the start.
	End time.Duration
	// Steps counts the loop's steps (model events handled and engine
	// deadlines advanced to) and Events the events the engine logged.
	Steps, Events int
}

// TeammateResult is one teammate's share of the work.
type TeammateResult struct {
	ID       pb.TeammateID
	Answered int
	TalkTime time.Duration
}

// Sample is the state of the contact center at one instant.
type Sample struct {
	// At is the time since the start of the run.
	At time.Duration
	// Waiting is the number of calls in the queue, ringing ones included.
	Waiting int
	// Active is the number of answered calls in progress.
	Active int
	// Away is the number of teammates away on a break.
	Away int
}

// DeflectedTotal returns the number of deflected calls.
func (r *Result) DeflectedTotal() int { return sum(r.Deflected[:]) }

// DeclinedTotal returns the number of declined rings, every cause.
func (r *Result) DeclinedTotal() int { return sum(r.Declined[:]) }

// DeflectedBy returns the number of calls deflected for reason d.
func (r *Result) DeflectedBy(d eventlog.Deflection) int { return r.Deflected[d] }

// PWait is the fraction of queued calls that could not ring a teammate on
// arrival and had to wait (Erlang C's probability of waiting).
func (r *Result) PWait() float64 { return ratio(r.Queued-r.OfferedOnArrival, r.Queued) }

// ASA is the mean answer time of answered calls, in seconds.
func (r *Result) ASA() float64 {
	if r.Answered == 0 {
		return 0
	}
	return r.AnswerTimeSum.Seconds() / float64(r.Answered)
}

// ServiceLevel is the fraction of all calls placed that were answered
// within Config.ServiceLevelTarget; abandoned and deflected calls count
// against it.
func (r *Result) ServiceLevel() float64 { return ratio(r.WithinTarget, r.Calls) }

// AbandonRate is the fraction of calls placed that the customer abandoned.
func (r *Result) AbandonRate() float64 { return ratio(r.Abandoned, r.Calls) }

// Occupancy is the share of the teammates' staffed, not-on-break time
// spent on calls or in wrap-up.
func (r *Result) Occupancy() float64 {
	return ratio64(float64(r.BusyTime), float64(r.BusyTime+r.AvailableTime))
}

// AnswerTimePercentile returns the p-th percentile (0 < p <= 100) of the
// answer times, by the nearest-rank method; zero with no answered calls.
func (r *Result) AnswerTimePercentile(p float64) time.Duration {
	n := len(r.AnswerTimes)
	if n == 0 {
		return 0
	}
	k := int(math.Ceil(p / 100 * float64(n)))
	return r.AnswerTimes[min(max(k, 1), n)-1]
}

// Balance summarizes how evenly answered calls spread over teammates.
type Balance struct {
	Min, Max  int
	Mean, Std float64
	Gini      float64 // 0: perfectly even; 1: one teammate took every call
	MinID     pb.TeammateID
	MaxID     pb.TeammateID
	MeanTalk  time.Duration
	Teammates int
}

// Balance returns the spread of answered calls over teammates.
func (r *Result) Balance() Balance {
	n := len(r.Teammates)
	if n == 0 {
		return Balance{}
	}
	b := Balance{Min: math.MaxInt, Max: -1, Teammates: n}
	counts := make([]int, n)
	var total int
	var talk time.Duration
	for i, t := range r.Teammates {
		counts[i] = t.Answered
		total += t.Answered
		talk += t.TalkTime
		if t.Answered < b.Min {
			b.Min, b.MinID = t.Answered, t.ID
		}
		if t.Answered > b.Max {
			b.Max, b.MaxID = t.Answered, t.ID
		}
	}
	b.Mean = float64(total) / float64(n)
	b.MeanTalk = talk / time.Duration(n)
	var ss float64
	for _, c := range counts {
		d := float64(c) - b.Mean
		ss += d * d
	}
	b.Std = math.Sqrt(ss / float64(n))
	b.Gini = gini(counts)
	return b
}

// gini is the Gini coefficient of non-negative counts.
func gini(counts []int) float64 {
	s := slices.Clone(counts)
	slices.Sort(s)
	var total, weighted float64
	for i, c := range s {
		total += float64(c)
		weighted += float64(i+1) * float64(c)
	}
	n := float64(len(s))
	if total == 0 {
		return 0
	}
	return 2*weighted/(n*total) - (n+1)/n
}

func sum(xs []int) int {
	var t int
	for _, x := range xs {
		t += x
	}
	return t
}

func ratio(a, b int) float64 { return ratio64(float64(a), float64(b)) }

func ratio64(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
