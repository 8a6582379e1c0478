package inbox

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// events is the page's live connection, and the phone client while it
// is connected (see [tabs]): text/event-stream with a "hello" event
// carrying the tab's ID, then a "state" event with the teammate's [State]
// on connect and whenever it changes, and comment lines every Heartbeat.
// ?visible=0 opens it as a background tab. Every write has a deadline, so
// a page that stops reading is dropped.
func (s *Server) events(w http.ResponseWriter, r *http.Request, m mate) {
	id := m.id
	if _, err := s.state(m, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	visible := r.URL.Query().Get("visible") != "0"
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	sub := m.ws.Subscribe(64) // its workspace's batches only
	defer sub.Close()
	k := m.key()
	tid := s.tabs.add(k, visible, cancel)
	defer s.tabs.remove(k, tid)

	write := httpedge.EventStream(w, s.cfg.Heartbeat)
	event := func(name string, v any) bool {
		b, err := json.Marshal(v)
		if err != nil {
			return false
		}
		return write([]byte("event: " + name + "\ndata: " + string(b) + "\n\n"))
	}
	// The browser reconnects 1 s after a dropped stream (a new tab).
	if !write([]byte("retry: 1000\n\n")) || !event("hello", map[string]string{"tab": tid}) {
		return
	}
	var last []byte
	var calls []string // the calls of the last state, which concern it
	onCall := ""       // the call the last state was on
	send := func() bool {
		st, err := s.state(m, onCall)
		if err != nil { // removed: the page shows it and the stream ends
			event("gone", httpedge.ErrorBody{Code: "unknown_teammate", Error: err.Error()})
			return false
		}
		calls, onCall = calls[:0], ""
		if st.Ringing != nil {
			calls = append(calls, st.Ringing.Call)
		}
		if st.OnCall != nil {
			onCall = st.OnCall.Call
			calls = append(calls, onCall)
		}
		b, _ := json.Marshal(st)
		if bytes.Equal(b, last) {
			return true
		}
		last = b
		return write([]byte("event: state\ndata: " + string(b) + "\n\n"))
	}
	if !send() {
		return
	}
	beat := time.NewTicker(s.cfg.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.ctx.Done():
			return
		case b, ok := <-sub.C():
			if !ok {
				return
			}
			if concerns(b, id, calls) && !send() {
				return
			}
		case <-beat.C:
			// The figures move with time; refresh them with the heartbeat.
			if !send() || !write([]byte(": heartbeat\n\n")) {
				return
			}
		}
	}
}

// concerns reports whether batch b may change teammate id's state: a gap,
// or an event about them or one of their calls.
func concerns(b core.Batch, id pb.TeammateID, calls []string) bool {
	if b.Gap {
		return true
	}
	for i := range b.Events {
		e := &b.Events[i]
		if e.Teammate == id {
			return true
		}
		for _, c := range calls {
			if string(e.Call) == c {
				return true
			}
		}
	}
	return false
}

// TabRequest is the body of PUT .../tabs/{tab}: the tab's heartbeat and
// whether it is visible (document.visibilityState == "visible").
type TabRequest struct {
	Visible bool `json:"visible"`
}

func (s *Server) putTab(w http.ResponseWriter, r *http.Request, m mate) {
	var req TabRequest
	if err := httpedge.DecodeJSON(w, r, &req, false); err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.tabs.update(m.key(), r.PathValue("tab"), req.Visible) {
		s.fail(w, r, httpedge.Errorf(httpedge.ErrNotFound, "tab %q is not connected: reopen the stream", r.PathValue("tab")))
		return
	}
	httpedge.WriteJSON(w, http.StatusOK, map[string]bool{"visible": req.Visible})
}
