package demo

import (
	"container/heap"
	"context"
	"time"
)

// action is something the demo does at a time.
type action func(ctx context.Context, node Driver, now time.Time)

type timed struct {
	at  time.Time
	seq uint64 // ties in the order scheduled
	fn  action
}

// scheduler is a queue of actions by time. Not safe for concurrent use.
type scheduler struct {
	h   timedHeap
	seq uint64
}

func (s *scheduler) push(at time.Time, fn action) {
	s.seq++
	heap.Push(&s.h, timed{at: at, seq: s.seq, fn: fn})
}

// popDue returns the earliest action due at now.
func (s *scheduler) popDue(now time.Time) (action, bool) {
	if len(s.h) == 0 || s.h[0].at.After(now) {
		return nil, false
	}
	return heap.Pop(&s.h).(timed).fn, true
}

func (s *scheduler) next() (time.Time, bool) {
	if len(s.h) == 0 {
		return time.Time{}, false
	}
	return s.h[0].at, true
}

type timedHeap []timed

func (h timedHeap) Len() int { return len(h) }
func (h timedHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h timedHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timedHeap) Push(x any)   { *h = append(*h, x.(timed)) }
func (h *timedHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
