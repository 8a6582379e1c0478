package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/phonebalance/phonebalance/client"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/httpedge"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// streamHeartbeat is how often an idle effects stream sends a comment,
// and streamWriteTimeout bounds each of its writes: a client that stops
// reading is dropped.
const (
	streamHeartbeat    = 15 * time.Second
	streamWriteTimeout = 10 * time.Second
)

// parseEffectID reads "<index>:<ordinal>".
func parseEffectID(s string) (replica.EffectID, error) {
	a, b, ok := strings.Cut(s, ":")
	i, err1 := strconv.ParseUint(a, 10, 64)
	o, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || o < 0 {
		return replica.EffectID{}, invalid("effect ID %q: want <index>:<ordinal>", s)
	}
	return replica.EffectID{Index: i, Ordinal: o}, nil
}

// GET /effects: the workspace's effects as a text/event-stream, from any
// node (every node holds the latest effects, core.EffectLog): each event
// "effect" has the effect's stable ID ("<index>:<ordinal>") as its id and
// a client.WebhookEffect as its data, in log order. A client resumes
// after the last ID it got with the Last-Event-ID header (or ?after=), on
// this node or another; if effects after it may be missing (the node
// dropped them, or restored a snapshot past them) it first gets an event
// "gap". Comments every 15 s keep the connection alive.
func (s *Server) effects(w http.ResponseWriter, r *http.Request) {
	from := r.Header.Get("Last-Event-ID")
	if from == "" {
		from = r.URL.Query().Get("after")
	}
	var last replica.EffectID
	if from != "" {
		var err error
		if last, err = parseEffectID(from); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	write := httpedge.EventStream(w, streamWriteTimeout)
	if !write([]byte("retry: 1000\n\n")) {
		return
	}
	beat := time.NewTicker(streamHeartbeat)
	defer beat.Stop()
	log := workspaceOf(r).Effects()
	ws := string(workspaceOf(r).ID())
	for {
		recs, gap, changed := log.After(last, 256)
		if gap {
			if !write([]byte("event: gap\ndata: {}\n\n")) {
				return
			}
		}
		for _, rec := range recs {
			msg := telephony.WebhookBody(telephony.Effect{Effect: rec.Effect, Workspace: replica.WorkspaceID(ws), ID: rec.ID})
			b, err := json.Marshal(msg)
			if err != nil {
				return
			}
			if !write(fmt.Appendf(nil, "id: %s\nevent: effect\ndata: %s\n\n", msg.ID, b)) {
				return
			}
			last = rec.ID
		}
		if len(recs) == 256 {
			continue
		}
		select {
		case <-r.Context().Done():
			return
		case <-changed:
		case <-beat.C:
			if !write([]byte(": keepalive\n\n")) {
				return
			}
		}
	}
}

// EventsPage is GET /events: a page of the workspace's events in Seq
// order, from this node's event store; Next is the Seq to pass as after
// for the next page (absent on the last page).
type EventsPage = client.EventsPage

// GET /events?after=<seq>&limit=: the workspace's events, for a host that
// copies timelines into its CRM: pages of at most 500 (default 50) in Seq
// order. It waits for the node's store to catch up with its state
// machine first.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var after uint64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			s.writeError(w, r, invalid("after %q: want an event seq", v))
			return
		}
		after = n
	}
	_, limit, err := pageParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	_ = s.rt.CatchUp(r.Context()) // on error the store may trail: still serve it
	evs, err := s.rt.Store().After(string(workspaceOf(r).ID()), after, limit+1)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := EventsPage{Events: httpedge.Events(evs)}
	if len(evs) > limit {
		out.Events = out.Events[:limit]
		out.Next = evs[limit-1].Seq
	}
	writeJSON(w, http.StatusOK, out)
}
