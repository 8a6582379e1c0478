package sip

import (
	"net/netip"
	"sync"
	"time"
)

// Failed digest authentications are limited per source address: after
// failLimit failures within failWindow, requests that carry credentials
// from that address are refused (403) without checking them until the
// window ends. The table holds at most failTableMax addresses; when it is
// full, windows that ended are dropped, then the whole table.
const (
	failLimit    = 10
	failWindow   = time.Minute
	failTableMax = 4096
)

type failures struct {
	mu    sync.Mutex
	table map[netip.Addr]*failCount
}

type failCount struct {
	n     int
	since time.Time
}

// blocked reports whether src has failed too often in the current window.
func (f *failures) blocked(src netip.Addr, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.table[src]
	return ok && c.n >= failLimit && now.Sub(c.since) < failWindow
}

// fail counts a failed authentication from src.
func (f *failures) fail(src netip.Addr, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.table == nil {
		f.table = make(map[netip.Addr]*failCount)
	}
	c, ok := f.table[src]
	if !ok || now.Sub(c.since) >= failWindow {
		if !ok && len(f.table) >= failTableMax {
			for a, old := range f.table {
				if now.Sub(old.since) >= failWindow {
					delete(f.table, a)
				}
			}
			if len(f.table) >= failTableMax {
				clear(f.table)
			}
		}
		c = &failCount{since: now}
		f.table[src] = c
	}
	c.n++
}
