package staffing

import (
	"math"
	"math/big"
)

// Reference models the package is checked against. Each computes its
// figure another way than the package does: by the textbook sums in
// 512-bit floating point, in logarithms through log-gamma, or by summing
// the stationary distribution of the queue's birth-death chain.

// bigErlangC is the textbook Erlang C,
//
//	C = (aᶜ/c! · c/(c−a)) / (Σ_{k<c} aᵏ/k! + aᶜ/c! · c/(c−a)),
//
// summed term by term in 512-bit floats, whose exponent range holds
// 2000!/… without overflow. a < c.
func bigErlangC(c int, a float64) float64 {
	const prec = 512
	ba := new(big.Float).SetPrec(prec).SetFloat64(a)
	term := new(big.Float).SetPrec(prec).SetInt64(1) // aᵏ/k!
	sum := new(big.Float).SetPrec(prec)              // Σ_{k<c}
	for k := 0; k < c; k++ {
		sum.Add(sum, term)
		term.Mul(term, ba)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(int64(k+1)))
	}
	// term is now aᶜ/c!
	tail := new(big.Float).SetPrec(prec).Mul(term, new(big.Float).SetPrec(prec).SetInt64(int64(c)))
	tail.Quo(tail, new(big.Float).SetPrec(prec).SetFloat64(float64(c)-a))
	den := new(big.Float).SetPrec(prec).Add(sum, tail)
	f, _ := new(big.Float).Quo(tail, den).Float64()
	return f
}

// logTerm is log(aⁿ/n!) through log-gamma.
func logTerm(n int, a float64) float64 {
	lg, _ := math.Lgamma(float64(n) + 1)
	return float64(n)*math.Log(a) - lg
}

// lgammaErlangC is the textbook Erlang C in logarithms (log-sum-exp).
func lgammaErlangC(c int, a float64) float64 {
	logTail := logTerm(c, a) + math.Log(float64(c)/(float64(c)-a))
	m := logTail
	for k := 0; k < c; k++ {
		m = max(m, logTerm(k, a))
	}
	var s float64
	for k := 0; k < c; k++ {
		s += math.Exp(logTerm(k, a) - m)
	}
	tail := math.Exp(logTail - m)
	return tail / (s + tail)
}

// chainWait returns, for the M/M/c queue with a < c Erlangs (time in
// units of the mean handle time), P(W > t) and E[W] summed over the
// stationary distribution π_n seen by an arrival (PASTA): a caller who
// finds n ≥ c in the system waits for n−c+1 service completions at rate
// c, an Erlang(n−c+1, c) time, so
//
//	P(W > t) = Σ_{n≥c} π_n · Σ_{i=0}^{n−c} e^{−ct}(ct)ⁱ/i!,   E[W] = Σ_{n≥c} π_n (n−c+1)/c.
//
// This uses neither Erlang C nor its exponential wait tail.
func chainWait(c int, a, t float64) (pLonger, mean float64) {
	// Unnormalised log π_n: n ≤ c: aⁿ/n!; n > c: aᶜ/c! · (a/c)^{n−c}.
	logPi := func(n int) float64 {
		if n <= c {
			return logTerm(n, a)
		}
		return logTerm(c, a) + float64(n-c)*math.Log(a/float64(c))
	}
	m := math.Inf(-1)
	for n := 0; n <= c; n++ {
		m = max(m, logPi(n))
	}
	var total float64
	for n := 0; n < c; n++ {
		total += math.Exp(logPi(n) - m)
	}
	ct := float64(c) * t
	var poissonCDF float64 // Σ_{i=0}^{n−c} e^{−ct}(ct)ⁱ/i!
	for n := c; ; n++ {
		p := math.Exp(logPi(n) - m)
		i := n - c
		poissonCDF += math.Exp(-ct + float64(i)*math.Log(ct) - lgam(i+1))
		if ct == 0 {
			poissonCDF = 1
		}
		total += p
		pLonger += p * poissonCDF
		mean += p * float64(i+1) / float64(c)
		if p < 1e-18*total && n > c+10 {
			break
		}
	}
	return pLonger / total, mean / total
}

func lgam(x int) float64 {
	v, _ := math.Lgamma(float64(x))
	return v
}

// chainErlangA solves the M/M/c+M birth-death chain (births at λ, deaths
// at min(n, c)·μ + max(n−c, 0)·θ), truncated where the probabilities fall
// below 1e-300 of their largest, and returns the probability of waiting
// (the chain at or above c, by PASTA) and of abandoning, θ·E[queue]/λ.
func chainErlangA(c int, lambda, mu, theta float64) (pWait, pAbandon float64) {
	p := []float64{1}
	peak := 1.0
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
			peak *= 1e-200
		}
		p = append(p, next)
		peak = max(peak, next)
		if n > c && next < 1e-300*peak {
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
