package staffing

import (
	"math"
	"time"
)

// MaxAgents bounds the answers of [AgentsFor]: a load that would need more
// agents than this gets -1. It keeps a wild input (an arrival rate of
// 1e300 an hour) from running for ever.
const MaxAgents = 1_000_000

// AgentsFor returns the fewest agents whose Erlang C [ServiceLevel]
// reaches target (say 0.8 for 80 %) for calls answered within within,
// with Poisson arrivals at arrivalsPerHour and exponential handle times
// of mean aht.
//
// Its answer n is exactly the least n with ServiceLevel(n, …) >= target:
// the two compute the same floating-point figures. It returns -1 for a
// NaN arrival rate or target; otherwise 0 when there is no load (no
// arrivals or no handle time) or target <= 0, and -1 when no number of
// agents reaches the target: target >= 1 with calls arriving (some call
// always waits), an infinite arrival rate, or more than [MaxAgents]
// needed. It takes O(answer) time, is safe for concurrent use and reads
// no clock.
func AgentsFor(arrivalsPerHour float64, aht, within time.Duration, target float64) int {
	a := load(arrivalsPerHour, aht)
	switch {
	case math.IsNaN(a), math.IsNaN(target):
		return -1
	case a == 0, target <= 0:
		return 0
	case target >= 1, a >= MaxAgents:
		return -1
	}
	within = max(within, 0)
	b := 1.0
	for c := 1; c <= MaxAgents; c++ {
		if b > 0 {
			b = a * b / (float64(c) + a*b)
		}
		if float64(c) <= a {
			continue
		}
		if serviceLevelFromC(c, a, erlangCFromB(c, a, b), within, aht) >= target {
			return c
		}
	}
	return -1
}
