package staffing

import (
	"math"
	"time"
)

// load returns the offered load in Erlangs: arrivals per hour times the
// handle time in hours. No arrivals or no handle time is no load; NaN
// stays NaN.
func load(arrivalsPerHour float64, aht time.Duration) float64 {
	if math.IsNaN(arrivalsPerHour) {
		return math.NaN()
	}
	if arrivalsPerHour <= 0 || aht <= 0 {
		return 0
	}
	return arrivalsPerHour * aht.Hours()
}

// erlangB returns the Erlang B blocking probability of c servers offered
// a Erlangs, through the recursion that stays within [0, 1].
func erlangB(c int, a float64) float64 {
	b := 1.0
	for k := 1; k <= c && b > 0; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return b
}

// erlangCFromB turns Erlang B into Erlang C, for a < c.
func erlangCFromB(c int, a, b float64) float64 {
	return float64(c) * b / (float64(c) - a*(1-b))
}

// serviceLevelFromC is 1 − C·e^{−(c−a)·t/aht}, for a < c.
func serviceLevelFromC(c int, a, pWait float64, within, aht time.Duration) float64 {
	return 1 - pWait*math.Exp(-(float64(c)-a)*within.Seconds()/aht.Seconds())
}

// WaitProbability returns the Erlang C probability that a call waits
// before a teammate answers: agents teammates, Poisson arrivals at
// arrivalsPerHour and exponential handle times of mean aht.
//
// It is 1 when the load (arrivalsPerHour × aht, in Erlangs) is at or
// above agents, 0 when there is no load and at least one agent, and NaN
// when arrivalsPerHour is NaN. Negative agents count as zero. It takes
// O(agents) time, is safe for concurrent use and reads no clock.
func WaitProbability(agents int, arrivalsPerHour float64, aht time.Duration) float64 {
	a := load(arrivalsPerHour, aht)
	c := max(agents, 0)
	switch {
	case math.IsNaN(a):
		return a
	case a >= float64(c):
		return 1
	case a == 0:
		return 0
	}
	return erlangCFromB(c, a, erlangB(c, a))
}

// ServiceLevel returns the Erlang C fraction of calls answered within
// within of arriving: 1 − C·e^{−(agents − load)·within/aht}, with C the
// [WaitProbability].
//
// It is 0 when the load is at or above agents (the queue grows without
// bound), 1 when there is no load and at least one agent, and NaN when
// arrivalsPerHour is NaN. A negative within counts as zero (1 − C, the
// calls answered at once). It takes O(agents) time, is safe for
// concurrent use and reads no clock.
func ServiceLevel(agents int, arrivalsPerHour float64, aht time.Duration, within time.Duration) float64 {
	a := load(arrivalsPerHour, aht)
	c := max(agents, 0)
	switch {
	case math.IsNaN(a):
		return a
	case a >= float64(c):
		return 0
	case a == 0:
		return 1
	}
	return serviceLevelFromC(c, a, erlangCFromB(c, a, erlangB(c, a)), max(within, 0), aht)
}

// MeanWait returns the Erlang C mean wait in queue over all calls, those
// answered at once included (the average speed of answer): C·aht/(agents −
// load).
//
// It is 0 when there is no load and at least one agent, and the largest
// time.Duration (about 292 years, standing for "unbounded") when the load
// is at or above agents or arrivalsPerHour is NaN. It takes O(agents)
// time, is safe for concurrent use and reads no clock.
func MeanWait(agents int, arrivalsPerHour float64, aht time.Duration) time.Duration {
	a := load(arrivalsPerHour, aht)
	c := max(agents, 0)
	switch {
	case math.IsNaN(a), a >= float64(c):
		return math.MaxInt64
	case a == 0:
		return 0
	}
	pWait := erlangCFromB(c, a, erlangB(c, a))
	return time.Duration(math.Round(pWait * float64(aht) / (float64(c) - a)))
}
