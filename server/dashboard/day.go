package dashboard

import (
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/server/advice"
)

// DefaultChartBucket is the width of a bucket of the day's charts when
// Parts.ChartBucket is zero.
const DefaultChartBucket = 15 * time.Minute

// Day is the day's charts, per team: for each bucket of the day that has
// ended (from the window's start), the calls waiting, the answer time and
// the service level against the team's target. Only ended buckets count,
// so the section changes at most once per bucket and the delta stream
// carries it then only.
type Day struct {
	// From is where the first bucket starts (the window's start).
	From time.Time `json:"from"`
	// BucketMS is the width of a bucket in milliseconds; Slots how many
	// buckets the day has (96 of 15 minutes), for the charts' axis.
	BucketMS int64 `json:"bucket_ms"`
	Slots    int   `json:"slots"`
	// Teams has one entry per team, in the team table's order.
	Teams []TeamDay `json:"teams"`
}

// TeamDay is one team's charts. Each slice has one entry per ended
// bucket, oldest first.
type TeamDay struct {
	ID   pb.TeamID `json:"id"`
	Name string    `json:"name"`
	// Waiting is the mean number of calls waiting in the team's queue
	// over each bucket: the queue time of the segments that ended in it
	// (rule MT10, ringing included) over the bucket's width.
	Waiting []float64 `json:"waiting"`
	// AnswerMS is the mean answer time (rule MT8) of the calls that ended
	// in each bucket, in milliseconds; 0 without one.
	AnswerMS []int64 `json:"answer_ms"`
	// ServiceLevel is the fraction of those calls answered within
	// WithinMS; -1 without one.
	ServiceLevel []float64 `json:"service_level"`
	// TargetFraction is the team's service-level target (e.g. 0.8) and
	// WithinMS the answer time it is measured at: the target's time, or
	// the nearest of metrics.ServiceLevelPoints below it (the lowest when
	// the target is shorter).
	TargetFraction float64 `json:"target_fraction"`
	WithinMS       int64   `json:"within_ms"`
}

// dayPoint is what a chart needs of one team in one bucket.
type dayPoint struct {
	queue    time.Duration
	answered int
	answer   time.Duration
	within   [len(metrics.ServiceLevelPoints)]int
}

// dayCache holds the points of the ended buckets of one day, so that each
// bucket's report is read once. Not safe for concurrent use.
type dayCache struct {
	from    time.Time
	buckets []map[pb.TeamID]dayPoint
}

// update adds the buckets of width w that ended by now since from; c is
// the fold, read under its lock. A new from (a new day) starts over.
func (d *dayCache) update(c *metrics.Collector, from, now time.Time, w time.Duration) {
	if !from.Equal(d.from) {
		d.from, d.buckets = from, nil
	}
	ended := int(now.Sub(from) / w)
	for i := len(d.buckets); i < ended; i++ {
		start := from.Add(time.Duration(i) * w)
		r := c.Report(start, start.Add(w))
		pts := make(map[pb.TeamID]dayPoint, len(r.Teams))
		for id, f := range r.Teams {
			if f.QueueTime.Count == 0 && f.AnswerTime.Count == 0 {
				continue
			}
			pts[id] = dayPoint{queue: f.QueueTime.Total, answered: f.AnswerTime.Count, answer: f.AnswerTime.Total,
				within: f.AnsweredWithin}
		}
		d.buckets = append(d.buckets, pts)
	}
}

// slPoint returns the index of the service-level point a target's time is
// measured at.
func slPoint(within time.Duration) int {
	i := 0
	for j, p := range metrics.ServiceLevelPoints {
		if p <= within {
			i = j
		}
	}
	return i
}

// buildDay makes the charts of teams (in their table order) from the
// cached buckets and the advice's targets.
func buildDay(d *dayCache, w time.Duration, teams []TeamRow, adv []TeamAdvice) Day {
	targets := make(map[pb.TeamID]advice.Target, len(adv))
	for _, a := range adv {
		targets[a.Team] = a.Target
	}
	day := Day{From: d.from, BucketMS: millis(w), Slots: int(24 * time.Hour / w), Teams: make([]TeamDay, 0, len(teams))}
	n := len(d.buckets)
	for _, t := range teams {
		tg := targets[t.ID] // a zero field takes the tracker's default
		if tg.Within == 0 {
			tg.Within = advice.DefaultWithin
		}
		if tg.Fraction == 0 {
			tg.Fraction = advice.DefaultFraction
		}
		sl := slPoint(tg.Within)
		td := TeamDay{ID: t.ID, Name: t.Name, TargetFraction: tg.Fraction, WithinMS: millis(metrics.ServiceLevelPoints[sl]),
			Waiting: make([]float64, n), AnswerMS: make([]int64, n), ServiceLevel: make([]float64, n)}
		for i, b := range d.buckets {
			p := b[t.ID]
			// Two decimals are plenty for a chart and keep the JSON short.
			td.Waiting[i] = float64((p.queue*100+w/2)/w) / 100
			td.ServiceLevel[i] = -1
			if p.answered > 0 {
				td.AnswerMS[i] = millis(p.answer / time.Duration(p.answered))
				td.ServiceLevel[i] = float64(p.within[sl]) / float64(p.answered)
			}
		}
		day.Teams = append(day.Teams, td)
	}
	return day
}
