package dashboard

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/phonebalance/phonebalance/server/httpedge"
)

// events serves the live stream: text/event-stream with a snapshot of the
// stream's view on connect, then deltas (the rows of its view that
// changed, by ID) as the state changes, and comment lines as heartbeats.
// The query parameters q, offset and limit choose the teammates it shows
// (see viewQuery); bad ones answer 400. A reconnecting browser gets a
// fresh snapshot. Every write has its own deadline, so a client that stops
// reading is dropped after Config.WriteTimeout without holding anyone up.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	q, err := parseView(r.URL.Query())
	if err != nil {
		httpedge.WriteError(w, fmt.Errorf("%w: %w", httpedge.ErrBadRequest, err))
		return
	}
	if r.Method == http.MethodHead { // the page asks why a stream closed
		w.Header().Set("Content-Type", "text/event-stream")
		return
	}
	sub, err := s.hub.subscribe()
	if err != nil {
		w.Header().Set("Retry-After", "5")
		httpedge.WriteError(w, fmt.Errorf("%w: %w", httpedge.ErrBusy, err))
		return
	}
	defer s.hub.unsubscribe(sub)

	write := httpedge.EventStream(w, s.cfg.WriteTimeout)
	// The browser reconnects 2 s after a dropped stream.
	if !write([]byte("retry: 2000\n\n")) {
		return
	}
	v := &view{q: q}
	beat := time.NewTicker(s.cfg.Heartbeat)
	defer beat.Stop()
	for {
		if event, data, ok := v.next(s.hub.current()); ok {
			buf := make([]byte, 0, len(data)+32)
			buf = append(buf, "event: "...)
			buf = append(buf, event...)
			buf = append(buf, "\ndata: "...)
			buf = append(buf, data...)
			buf = append(buf, "\n\n"...)
			if !write(buf) {
				return
			}
			beat.Reset(s.cfg.Heartbeat)
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.hub.ctx.Done():
			return
		case <-sub.wake:
		case <-beat.C:
			if !write([]byte(": heartbeat " + strconv.FormatUint(v.seq, 10) + "\n\n")) {
				return
			}
		}
	}
}
