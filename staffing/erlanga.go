package staffing

import (
	"math"
	"time"
)

// maxPatienceRatio is the patience, in mean handle times, beyond which
// Abandonment uses the limit of infinite patience: the series it sums
// needs about √(agents × patience/aht) terms.
const maxPatienceRatio = 1e6

// Abandonment returns the Erlang A (M/M/c+M) figures: agents teammates,
// Poisson arrivals at arrivalsPerHour, exponential handle times of mean
// aht, and callers who hang up after an exponential patience of mean
// patience if nobody has answered. wait is the probability that a caller
// waits at all; abandoned is the fraction of callers who hang up before
// an answer. Unlike Erlang C it has an answer for a load above agents:
// impatience keeps the queue bounded.
//
// A patience <= 0 means callers never hang up: wait is
// [WaitProbability] and abandoned is 0. A patience of more than a million
// handle times is taken as infinite: below full load that is Erlang C,
// at or above it every caller waits and the excess load, 1 − agents/load,
// hangs up. With no load (and at least one agent) both are 0; with no
// agents every caller waits and, if patience > 0, hangs up; a NaN arrival
// rate gives NaN for both. It takes
// O(agents + √(agents × patience/aht)) time, is safe for concurrent use
// and reads no clock.
//
// It uses the formulas of Mandelbaum and Zeltyn for M/M/n+M: with E the
// Erlang B probability, ρ = load/agents, x = agents·patience/aht,
// y = load·patience/aht and A(x, y) = 1 + Σ_{j≥1} yʲ / ∏_{k=1..j}(x+k),
// wait = A·E / (1 + (A−1)·E) and abandoned = wait·(1/(ρA) + 1 − 1/ρ).
func Abandonment(agents int, arrivalsPerHour float64, aht, patience time.Duration) (wait, abandoned float64) {
	a := load(arrivalsPerHour, aht)
	c := max(agents, 0)
	switch {
	case math.IsNaN(a):
		return a, a
	case a == 0 && c > 0:
		return 0, 0
	case c == 0:
		if patience <= 0 {
			return 1, 0
		}
		return 1, 1
	case patience <= 0:
		return WaitProbability(c, arrivalsPerHour, aht), 0
	}
	r := patience.Seconds() / aht.Seconds()
	if r > maxPatienceRatio {
		if a < float64(c) {
			return WaitProbability(c, arrivalsPerHour, aht), 0
		}
		return 1, 1 - float64(c)/a
	}
	e := erlangB(c, a)
	bigA := seriesA(float64(c)*r, a*r)
	rho := a / float64(c)
	wait = e / (e + (1-e)/bigA)
	abandoned = wait * (1/(rho*bigA) + 1 - 1/rho)
	return wait, min(max(abandoned, 0), 1)
}

// seriesA returns A(x, y) = 1 + Σ_{j≥1} yʲ / ∏_{k=1..j}(x+k), or some
// figure above 1e30 when it is at least that (then 1/A no longer counts
// next to the other terms). The terms rise while x+j < y and then fall
// faster than a geometric series, whose sum bounds the rest.
func seriesA(x, y float64) float64 {
	sum, term := 1.0, 1.0
	for j := 1.0; ; j++ {
		term *= y / (x + j)
		sum += term
		if sum > 1e30 {
			return sum
		}
		if next := x + j + 1; next > y {
			// The remaining terms are at most term·q + term·q² + …
			// with q = y/next < 1.
			q := y / next
			if term*q/(1-q) < 1e-17*sum {
				return sum
			}
		}
	}
}
