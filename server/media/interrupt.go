package media

import (
	"context"
	"sync"
	"time"
)

// deadliner is a reader whose blocked read ends once its deadline passes: a UDP socket, a
// WebRTC track.
type deadliner interface {
	SetReadDeadline(t time.Time) error
}

// readInterrupt ends a leg's blocked read when the read's context is done, by moving the read
// deadline into the past. Its context.AfterFunc registration lasts from one read to the next
// while the reader keeps passing the same context, as Bridge, Hold and Record do for every
// packet, so a packet costs no registration; a read with another context, or release, ends
// it. watch is for the leg's one reader; release is also safe from Close's goroutine.
type readInterrupt struct {
	mu    sync.Mutex      // guards the fields, swapped by watch and release
	done  <-chan struct{} // Done of the context watched; nil if none
	d     deadliner       // the reader whose deadline it moves
	stop  func() bool     // ends the registration
	fired chan struct{}   // closed once the deadline has been moved
}

// watch makes the end of ctx interrupt d's reads, unless it already does.
func (r *readInterrupt) watch(ctx context.Context, d deadliner) {
	done := ctx.Done()
	r.mu.Lock()
	same := done == r.done
	r.mu.Unlock()
	if same {
		return
	}
	r.release()
	if done == nil {
		return
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = d.SetReadDeadline(time.Unix(1, 0)) // wake the blocked read
		close(fired)
	})
	r.mu.Lock()
	r.done, r.d, r.stop, r.fired = done, d, stop, fired
	r.mu.Unlock()
}

// release ends the registration; if it already moved the deadline, it clears it so the reader
// can read again with another context.
func (r *readInterrupt) release() {
	r.mu.Lock()
	d, stop, fired := r.d, r.stop, r.fired
	r.done, r.d, r.stop, r.fired = nil, nil, nil, nil
	r.mu.Unlock()
	if stop != nil && !stop() {
		<-fired
		_ = d.SetReadDeadline(time.Time{})
	}
}
