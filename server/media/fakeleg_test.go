package media

import (
	"context"
	"sync"
	"time"
)

// fakeLeg is an in-memory Leg: frames pushed to in are read, written frames are kept with the
// (possibly synctest-faked) time they were written.
type fakeLeg struct {
	codec  Codec
	in     chan Frame
	closed chan struct{}
	once   sync.Once

	mu   sync.Mutex
	sent [][]byte
	at   []time.Time
}

func newFakeLeg(codec Codec) *fakeLeg {
	return &fakeLeg{codec: codec, in: make(chan Frame, 64), closed: make(chan struct{})}
}

func (l *fakeLeg) Codec() Codec { return l.codec }

func (l *fakeLeg) WriteFrame(audio []byte) error {
	select {
	case <-l.closed:
		return ErrClosed
	default:
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent = append(l.sent, append([]byte(nil), audio...))
	l.at = append(l.at, time.Now())
	return nil
}

func (l *fakeLeg) ReadFrame(ctx context.Context) (Frame, error) {
	select {
	case f, ok := <-l.in:
		if !ok { // closing in is a hang-up after the frames queued in it
			return Frame{}, ErrClosed
		}
		return f, nil
	case <-ctx.Done():
		return Frame{}, ctx.Err()
	case <-l.closed:
		return Frame{}, ErrClosed
	}
}

func (l *fakeLeg) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *fakeLeg) frames() ([][]byte, []time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([][]byte(nil), l.sent...), append([]time.Time(nil), l.at...)
}
