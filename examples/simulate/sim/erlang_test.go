package sim

import "math"

// Queueing formulas the simulation is checked against. They live in test
// code: the harness must not grade itself with its own arithmetic.

// erlangC returns the probability that a call waits in an M/M/c queue with
// offered load a = λ/μ Erlangs and c servers (a < c). It goes through the
// Erlang B recursion B(k) = a·B(k−1) / (k + a·B(k−1)), which stays within
// [0, 1] and so never overflows, unlike the textbook a^c/c! form.
func erlangC(c int, a float64) float64 {
	b := 1.0
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return float64(c) * b / (float64(c) - a*(1-b))
}

// erlangCWait returns the mean wait in queue of an M/M/c queue, in the
// unit of 1/mu: C / (c·μ − λ).
func erlangCWait(c int, lambda, mu float64) float64 {
	return erlangC(c, lambda/mu) / (float64(c)*mu - lambda)
}

// erlangA is the M/M/c+M queue (Erlang A): Poisson arrivals at lambda,
// exponential service at mu per server, c servers, and exponential
// patience at rate theta for those waiting. It solves the birth-death
// chain: births at λ, deaths at n·μ for n ≤ c and c·μ + (n−c)·θ above,
// truncated where the stationary probabilities fall below 1e-300 of the
// mode (the tail decays faster than geometrically, so nothing is lost).
// It returns the probability of waiting (the chain at or above c, as seen
// by an arrival, by PASTA) and of abandoning, θ·E[queue length]/λ.
func erlangA(c int, lambda, mu, theta float64) (pWait, pAbandon float64) {
	// p holds unnormalised π_n, rescaled whenever it grows large, so that
	// only ratios matter and nothing overflows.
	p := []float64{1}
	for n := 1; ; n++ {
		death := float64(min(n, c)) * mu
		if n > c {
			death += float64(n-c) * theta
		}
		next := p[n-1] * lambda / death
		if next > 1e200 {
			for i := range p {
				p[i] *= 1e-200
			}
			next *= 1e-200
		}
		p = append(p, next)
		if n > c && next < 1e-300*maxOf(p) {
			break
		}
	}
	var total, waiting, queueLen float64
	for n, v := range p {
		total += v
		if n >= c {
			waiting += v
			queueLen += float64(n-c) * v
		}
	}
	return waiting / total, theta * (queueLen / total) / lambda
}

func maxOf(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
