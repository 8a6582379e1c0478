package sip

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Failed digest authentications are throttled per (source address, user
// name), so one phone with a wrong password does not lock out the others
// behind the same NAT: failLimit failures empty that pair's bucket, which
// then refills at failLimit per failWindow, and until it holds a token
// again requests from that address with that user name are refused (403)
// without checking them. A looser bucket per address, addrFailLimit per
// failWindow, stops one address from spraying many user names. The
// buckets live on the engine's clock. Each table holds at most
// failTableMax entries: when one is full, buckets that have refilled
// (nothing left to remember) are dropped, then the whole table.
const (
	failLimit     = 10
	addrFailLimit = 100
	failWindow    = time.Minute
	failTableMax  = 4096
	failUserMax   = 64 // bytes of a user name kept as a key
)

// failures is the throttle; its zero value is ready. Safe for concurrent
// use.
type failures struct {
	mu     sync.Mutex
	byUser map[failKey]*rate.Limiter
	byAddr map[netip.Addr]*rate.Limiter
}

type failKey struct {
	addr netip.Addr
	user string
}

func keyOf(src netip.Addr, user string) failKey {
	if len(user) > failUserMax {
		user = user[:failUserMax]
	}
	return failKey{src, user}
}

// blocked reports whether user at src, or src as a whole, has failed too
// often lately.
func (f *failures) blocked(src netip.Addr, user string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if l := f.byUser[keyOf(src, user)]; l != nil && l.TokensAt(now) < 1 {
		return true
	}
	l := f.byAddr[src]
	return l != nil && l.TokensAt(now) < 1
}

// fail counts a failed authentication of user from src.
func (f *failures) fail(src netip.Addr, user string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byUser == nil {
		f.byUser = make(map[failKey]*rate.Limiter)
		f.byAddr = make(map[netip.Addr]*rate.Limiter)
	}
	bucket(f.byUser, keyOf(src, user), failLimit, now).AllowN(now, 1)
	bucket(f.byAddr, src, addrFailLimit, now).AllowN(now, 1)
}

// bucket returns m's bucket for k, making one of n per failWindow if
// there is none, within failTableMax entries.
func bucket[K comparable](m map[K]*rate.Limiter, k K, n int, now time.Time) *rate.Limiter {
	if l := m[k]; l != nil {
		return l
	}
	if len(m) >= failTableMax {
		for key, l := range m {
			if l.TokensAt(now) >= float64(l.Burst()) {
				delete(m, key)
			}
		}
		if len(m) >= failTableMax {
			clear(m)
		}
	}
	l := rate.NewLimiter(rate.Every(failWindow/time.Duration(n)), n)
	m[k] = l
	return l
}
