package dashboard

import (
	"errors"
	"net/http"
	"strconv"
	"time"
)

// events serves the live stream: text/event-stream with a snapshot on
// connect (or, with a Last-Event-ID this hub still remembers, only what
// changed since), then deltas as the state changes, and comment lines as
// heartbeats. Every write has its own deadline, so a client that stops
// reading is dropped after Config.WriteTimeout without holding anyone up.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead { // the page asks why a stream closed
		w.Header().Set("Content-Type", "text/event-stream")
		return
	}
	sub, err := s.hub.subscribe()
	if err != nil {
		w.Header().Set("Retry-After", "5")
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	defer s.hub.unsubscribe(sub)

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	write := func(b []byte) bool {
		if err := rc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout)); err != nil &&
			!errors.Is(err, http.ErrNotSupported) {
			return false
		}
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	// The browser reconnects 2 s after a dropped stream, with Last-Event-ID.
	if !write([]byte("retry: 2000\n\n")) {
		return
	}
	seq := s.hub.parseID(r.Header.Get("Last-Event-ID"))
	beat := time.NewTicker(s.cfg.Heartbeat)
	defer beat.Stop()
	for {
		if m, ok := s.hub.since(seq); ok {
			buf := make([]byte, 0, len(m.data)+64)
			buf = append(buf, "id: "...)
			buf = append(buf, m.id...)
			buf = append(buf, "\nevent: "...)
			buf = append(buf, m.event...)
			buf = append(buf, "\ndata: "...)
			buf = append(buf, m.data...)
			buf = append(buf, "\n\n"...)
			if !write(buf) {
				return
			}
			seq = m.seq
			beat.Reset(s.cfg.Heartbeat)
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.hub.ctx.Done():
			return
		case <-sub.wake:
		case <-beat.C:
			if !write([]byte(": heartbeat " + strconv.FormatUint(seq, 10) + "\n\n")) {
				return
			}
		}
	}
}
