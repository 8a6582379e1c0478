package httpedge

import (
	"errors"
	"net/http"
	"time"
)

// EventStream starts w's answer as a server-sent event stream: 200 with
// Content-Type text/event-stream, Cache-Control no-store and
// X-Accel-Buffering no (a proxy must not hold it back). It returns the
// stream's write, which sends b with a write deadline of timeout from now
// (a client that stops reading is dropped) and flushes it, and reports
// false once the stream is broken. Call it before anything is written to
// w, and write from the handler's goroutine only.
func EventStream(w http.ResponseWriter, timeout time.Duration) (write func(b []byte) bool) {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	return func(b []byte) bool {
		if err := rc.SetWriteDeadline(time.Now().Add(timeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return false
		}
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
}
