package eventlog

import "errors"

// Sink is where a host persists events. The pure engine never calls a
// Sink: it returns the events it logged, and the host (or the real-time
// wrapper that owns the engine) writes them to one. Whether a Sink is safe
// for concurrent use is up to each implementation; the ones in this
// package say so in their docs.
type Sink interface {
	// Write stores one event. An error means the event may not have been
	// stored.
	Write(Event) error
}

// SinkFunc adapts a function to a [Sink]. It is as safe for concurrent use
// as the function is.
type SinkFunc func(Event) error

// Write calls f(e).
func (f SinkFunc) Write(e Event) error { return f(e) }

// Multi is a [Sink] that writes each event to every sink in order. It
// writes to all of them even when one fails and returns the failures
// joined with [errors.Join], nil when all succeed. It is safe for
// concurrent use when every sink in it is.
type Multi []Sink

// Write writes e to every sink in m.
func (m Multi) Write(e Event) error {
	var errs []error
	for _, s := range m {
		if err := s.Write(e); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
