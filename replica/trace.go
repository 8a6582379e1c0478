package replica

import "context"

// A trace is a short string that follows a command from the request that
// caused it to the effects it produced: the host puts it in the context
// of [Node.Do] or [Node.DoIdempotent] with [WithTrace] (the server puts
// the HTTP request's ID there), the command's log entry carries it, and
// the leader's [Delivery] of that entry hands it back, so the logs of the
// effects name the request. It travels in the entry rather than in a
// table the leader keeps by index because the leader learns an entry's
// index only once it is applied, after its Delivery is queued: the entry
// is the one place both ends see. It costs at most MaxTrace bytes an
// entry; snapshots do not keep it, and a node that predates it ignores
// it.

// MaxTrace is the longest trace a command carries, in bytes; a longer one
// is cut to it.
const MaxTrace = 64

type traceKey struct{}

// WithTrace returns a copy of ctx carrying trace; an empty trace leaves
// ctx as it is.
func WithTrace(ctx context.Context, trace string) context.Context {
	if trace == "" {
		return ctx
	}
	return context.WithValue(ctx, traceKey{}, trace)
}

// Trace returns the trace ctx carries, "" if none.
func Trace(ctx context.Context) string {
	s, _ := ctx.Value(traceKey{}).(string)
	return s
}

// traceOf is the trace a command submitted with ctx records.
func traceOf(ctx context.Context) string {
	s := Trace(ctx)
	if len(s) > MaxTrace {
		s = s[:MaxTrace]
	}
	return s
}
