package replica

import (
	"context"
	"sync"
)

// deliveryQueue hands deliveries to Config.Deliver on one goroutine, in
// the order they were pushed.
type deliveryQueue struct {
	n *Node

	mu        sync.Mutex
	queue     []Delivery
	wake      chan struct{} // buffered 1: the queue grew or closed
	changed   chan struct{} // closed and replaced when delivered grows
	closed    bool
	pushed    uint64
	delivered uint64
	done      chan struct{}
}

func newDeliveryQueue(n *Node) *deliveryQueue {
	return &deliveryQueue{n: n, wake: make(chan struct{}, 1), changed: make(chan struct{}), done: make(chan struct{})}
}

func (q *deliveryQueue) push(d Delivery) {
	q.mu.Lock()
	if !q.closed {
		q.queue = append(q.queue, d)
		q.pushed++
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// close stops the loop once the queue is drained.
func (q *deliveryQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	<-q.done
}

func (q *deliveryQueue) loop() {
	defer close(q.done)
	for {
		q.mu.Lock()
		if len(q.queue) == 0 {
			closed := q.closed
			q.mu.Unlock()
			if closed {
				return
			}
			<-q.wake
			continue
		}
		d := q.queue[0]
		q.queue[0] = Delivery{}
		q.queue = q.queue[1:]
		q.mu.Unlock()
		q.deliver(d)
		q.mu.Lock()
		q.delivered++
		close(q.changed)
		q.changed = make(chan struct{})
		q.mu.Unlock()
	}
}

func (q *deliveryQueue) deliver(d Delivery) {
	defer func() {
		if v := recover(); v != nil {
			q.n.cfg.Logger.Error("replica: Deliver panicked", "panic", v, "workspace", d.Workspace, "index", d.Index)
		}
	}()
	q.n.cfg.Deliver(d)
}

// sync waits until every delivery pushed so far has returned.
func (q *deliveryQueue) sync(ctx context.Context) error {
	q.mu.Lock()
	target := q.pushed
	q.mu.Unlock()
	for {
		q.mu.Lock()
		if q.delivered >= target {
			q.mu.Unlock()
			return nil
		}
		if q.closed && len(q.queue) == 0 {
			q.mu.Unlock()
			return ErrClosed
		}
		ch := q.changed
		q.mu.Unlock()
		select {
		case <-ch:
		case <-q.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
