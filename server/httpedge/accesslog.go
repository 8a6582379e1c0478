package httpedge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/phonebalance/phonebalance/replica"
)

// RequestIDHeader carries a request's ID: taken from the request when it
// is a sane token (see [AccessLog]), else generated, and always returned
// in the response.
const RequestIDHeader = "X-Request-ID"

// maxRequestID is the longest request ID taken from a client.
const maxRequestID = 64

// requestIDKey is RequestIDHeader in the canonical form net/http keys
// headers by, so reading and setting it needs no conversion per request.
var requestIDKey = http.CanonicalHeaderKey(RequestIDHeader)

// reqInfo is what the access log learns of a request while it is served:
// the route's pattern and the principal's role. It is written and read
// on the request's goroutine only.
type reqInfo struct {
	pattern string
	role    Role
}

type reqInfoKey struct{}

// RequestID returns the ID of the request ctx belongs to, or of the
// request whose command caused the effect ctx belongs to ("" for
// neither). The ID is the context's replica trace ([replica.WithTrace]):
// [AccessLog] sets it, a command submitted with the request's context
// carries it in its log entry, and the telephony dispatcher puts it back
// in the context of the command's effects.
func RequestID(ctx context.Context) string { return replica.Trace(ctx) }

// NoteRoute records, for the access log, the ServeMux pattern that serves
// r. [Routes] calls it; a server that dispatches with a mux of its own
// calls it too.
func NoteRoute(r *http.Request, pattern string) {
	if ri, ok := r.Context().Value(reqInfoKey{}).(*reqInfo); ok {
		ri.pattern = pattern
	}
}

// noteRole records the principal's role for the access log.
func noteRole(ctx context.Context, role Role) {
	if ri, ok := ctx.Value(reqInfoKey{}).(*reqInfo); ok {
		ri.role = role
	}
}

// saneRequestID reports whether a client's request ID can be logged and
// returned as it is: 1 to 64 letters, digits, '-', '_', '.' or ':'.
func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// AccessLog returns h logging one line per request to logger, at Info
// (Debug for the probes GET /healthz and /readyz): method, the route's
// pattern (empty when no route matched) and path, status, bytes written,
// duration, the principal's role ("none" before authentication) and the
// client's address, with the request's ID. The ID is the request's
// X-Request-ID when sane, else 12 random bytes in hex; it is set on the
// request (so a forwarded write carries it to the leader) and the
// response, and put in the request's context as its replica trace
// ([RequestID]), where a logger made with [WithRequestID] finds it and
// which the commands the request submits carry. Safe for concurrent
// use.
func AccessLog(logger *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(requestIDKey)
		if !saneRequestID(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
			r.Header.Set(requestIDKey, id)
		}
		w.Header().Set(requestIDKey, id)
		rec := &countingWriter{ResponseWriter: w}
		ri := &rec.info
		ctx := replica.WithTrace(context.WithValue(r.Context(), reqInfoKey{}, ri), id)
		h.ServeHTTP(rec, r.WithContext(ctx))
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			level = slog.LevelDebug
		}
		if !logger.Enabled(r.Context(), level) {
			return
		}
		role := "none"
		if ri.role != 0 {
			role = ri.role.String()
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		logger.LogAttrs(context.Background(), level, "request", slog.String("request_id", id),
			slog.String("method", r.Method), slog.String("pattern", ri.pattern), slog.String("path", r.URL.Path),
			slog.Int("status", status), slog.Int64("bytes", rec.bytes),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("role", role), slog.String("remote", r.RemoteAddr))
	})
}

// countingWriter records the status and counts the body's bytes, and
// holds what the access log learns of the request (one allocation per
// request for both). Unwrap lets http.ResponseController reach the
// connection's deadlines and flushing (server-sent events).
type countingWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	info   reqInfo
}

func (c *countingWriter) WriteHeader(status int) {
	if c.status == 0 && status >= 200 {
		c.status = status
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *countingWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	n, err := c.ResponseWriter.Write(b)
	c.bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher for handlers that assert it.
func (c *countingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// WithRequestID returns h adding request_id (see [RequestID]) to every
// record logged with a context that carries one, so the logs of a request
// and of the effects of its commands carry its ID. It is as safe for
// concurrent use as h.
func WithRequestID(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
