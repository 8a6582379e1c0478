package api

import (
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxRateKeys bounds the clients the rate limiter tracks at once.
const maxRateKeys = 10000

// rateLimiter is a token bucket (golang.org/x/time/rate) per client IP:
// each holds up to burst tokens and refills at rate per second; a request
// takes one. Buckets that are full again are forgotten when the table is
// full, so memory is bounded by maxRateKeys. Safe for concurrent use.
type rateLimiter struct {
	limit rate.Limit
	burst int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	if burst < 1 {
		burst = 1
	}
	return &rateLimiter{limit: rate.Limit(perSecond), burst: burst, buckets: map[string]*rate.Limiter{}}
}

// allow reports whether the client at key may make a request at now.
func (l *rateLimiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxRateKeys {
			l.sweep(now)
		}
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets[key] = b
	}
	l.mu.Unlock()
	return b.AllowN(now, 1)
}

// sweep forgets the buckets that have refilled; if every client is still
// active, it forgets them all (a flood of addresses must not grow memory).
func (l *rateLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxRateKeys {
		clear(l.buckets)
	}
}

// clientIP is the host part of the request's remote address.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
