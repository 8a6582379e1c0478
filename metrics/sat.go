package metrics

import (
	"math"
	"time"
)

// satAdd returns a+b, saturating at the largest or smallest Duration
// instead of wrapping: a 10,000-seat center's summed talk time passes the
// int64 nanosecond range in about a month.
func satAdd(a, b time.Duration) time.Duration {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64
	case b < 0 && s > a:
		return math.MinInt64
	}
	return s
}
