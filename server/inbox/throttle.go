package inbox

import (
	"sync"

	"golang.org/x/time/rate"
)

// throttle limits failed sign-ins per key (a teammate ID, or a client
// address): each key has a token bucket of burst attempts refilled at
// every; a sign-in is refused while its bucket is empty, and only a failed
// one takes a token. The table is bounded: when it holds max keys it is
// cleared (an attacker cycling through keys gains at most one fresh burst
// per key per clearing). Safe for concurrent use.
type throttle struct {
	mu    sync.Mutex
	every rate.Limit
	burst int
	max   int
	keys  map[string]*rate.Limiter
}

func newThrottle(every rate.Limit, burst, max int) *throttle {
	return &throttle{every: every, burst: burst, max: max, keys: map[string]*rate.Limiter{}}
}

func (t *throttle) limiter(key string) *rate.Limiter {
	l, ok := t.keys[key]
	if !ok {
		if len(t.keys) >= t.max {
			clear(t.keys)
		}
		l = rate.NewLimiter(t.every, t.burst)
		t.keys[key] = l
	}
	return l
}

// allowed reports whether key may try now.
func (t *throttle) allowed(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.limiter(key).Tokens() >= 1
}

// failed takes one token from key's bucket.
func (t *throttle) failed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.limiter(key).Allow()
}
