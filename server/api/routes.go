package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /teammates", s.addTeammate)
	m.HandleFunc("GET /teammates/{id}", s.getTeammate)
	m.HandleFunc("DELETE /teammates/{id}", onID(s, "id", s.removeTeammate))
	m.HandleFunc("PUT /teammates/{id}/status", onID(s, "id", s.setStatus))
	m.HandleFunc("PUT /teammates/{id}/channel", onID(s, "id", s.setChannel))
	m.HandleFunc("PUT /teammates/{id}/client", onID(s, "id", s.setClient))
	m.HandleFunc("POST /teams", s.addTeam)
	m.HandleFunc("GET /teams/{team}", s.getTeam)
	m.HandleFunc("POST /teams/{team}/members", onID(s, "team", s.addMember))
	m.HandleFunc("DELETE /teams/{team}/members/{id}", onID(s, "team", s.removeMember))
	m.HandleFunc("POST /calls", s.arrive)
	m.HandleFunc("GET /calls/{id}", s.getCall)
	m.HandleFunc("POST /calls/{id}/answer", onID(s, "id", s.answer))
	m.HandleFunc("POST /calls/{id}/decline", onID(s, "id", s.decline))
	m.HandleFunc("POST /calls/{id}/hold", onID(s, "id", s.hold))
	m.HandleFunc("POST /calls/{id}/resume", onID(s, "id", s.resume))
	m.HandleFunc("POST /calls/{id}/transfer", onID(s, "id", s.transfer))
	m.HandleFunc("POST /calls/{id}/hangup", onID(s, "id", s.hangUp))
	m.HandleFunc("POST /calls/{id}/end", onID(s, "id", s.end))
	m.HandleFunc("GET /calls/{id}/explain", s.explain)
	m.HandleFunc("GET /calls/{id}/timeline", s.timeline)
	m.HandleFunc("GET /dashboard", s.dashboard)
	m.Handle("GET /cluster", httpedge.RequireRole(http.HandlerFunc(s.cluster), httpedge.RoleAdmin, httpedge.RoleHost))
	m.Handle("POST /cluster/join", httpedge.RequireRole(http.HandlerFunc(s.join), httpedge.RoleAdmin))
	m.Handle("POST /cluster/remove", httpedge.RequireRole(http.HandlerFunc(s.remove), httpedge.RoleAdmin))
	return m
}

// decode reads a JSON body into v with the edge's strict decoder
// (httpedge.DecodeJSON). With optional, an empty body leaves v as it is.
func decode(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	return httpedge.DecodeJSON(w, r, v, optional)
}

// onID adapts a handler of the ID in the path value name (a call, a
// teammate, a team), which it checks first as the edge does
// (httpedge.CheckID): an invalid one is answered 400 "invalid_id".
func onID[T ~string](s *Server, name string, h func(http.ResponseWriter, *http.Request, T)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := r.PathValue(name)
		if err := checkID(name, v); err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r, T(v))
	}
}

// validator is a request body that checks itself, as the edge and the
// engine would, before anything is proposed.
type validator interface{ validate() error }

// read decodes the JSON body into req (a pointer) and validates it; on
// error it has answered the request. With optional, an empty body keeps
// req as it is (and validates it).
func (s *Server) read(w http.ResponseWriter, r *http.Request, req validator, optional bool) bool {
	err := decode(w, r, req, optional)
	if err == nil {
		err = req.validate()
	}
	if err != nil {
		s.writeError(w, r, err)
		return false
	}
	return true
}

// do submits cmd to the engine with the server's deadline and reports
// whether it applied; if not, it has answered the request (an error, or a
// 503 naming the leader).
func (s *Server) do(w http.ResponseWriter, r *http.Request, cmd assign.Command) bool {
	if err := Precheck(s.rt, cmd); err != nil {
		s.writeError(w, r, err)
		return false
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	if _, err := s.rt.Do(ctx, cmd); err != nil {
		if s.answerNotLeader(w, r, err) {
			return false
		}
		s.writeError(w, r, err)
		return false
	}
	return true
}

// view reads this node's engine; false while the workspace is empty.
func (s *Server) view(read func(e *assign.Engine)) bool {
	ok, err := s.rt.View(read)
	return ok && err == nil
}

// teammateCommand runs cmd and answers with the teammate's state after it.
func (s *Server) teammateCommand(w http.ResponseWriter, r *http.Request, status int, id pb.TeammateID, cmd assign.Command) {
	if !s.do(w, r, cmd) {
		return
	}
	var v assign.TeammateView
	var ok bool
	s.view(func(e *assign.Engine) { v, ok = e.Teammate(id) })
	if !ok {
		w.WriteHeader(http.StatusNoContent) // removed meanwhile
		return
	}
	writeJSON(w, status, teammateOf(v))
}

// callCommand runs cmd and answers with the call's state after it.
func (s *Server) callCommand(w http.ResponseWriter, r *http.Request, status int, id pb.CallID, cmd assign.Command) {
	if !s.do(w, r, cmd) {
		return
	}
	var v assign.CallView
	var ok bool
	s.view(func(e *assign.Engine) { v, ok = e.Call(id) })
	if !ok {
		w.WriteHeader(http.StatusNoContent) // forgotten meanwhile
		return
	}
	writeJSON(w, status, v)
}

// GET /teammates/{id}
func (s *Server) getTeammate(w http.ResponseWriter, r *http.Request) {
	id := pb.TeammateID(r.PathValue("id"))
	var v assign.TeammateView
	var ok bool
	s.view(func(e *assign.Engine) { v, ok = e.Teammate(id) })
	if !ok {
		s.writeError(w, r, fmt.Errorf("%w: %q", assign.ErrUnknownTeammate, id))
		return
	}
	writeJSON(w, http.StatusOK, teammateOf(v))
}

func teamOf(e *assign.Engine, id pb.TeamID) (Team, bool) {
	counts, inQueue, ok := e.TeamCounts(id)
	if !ok {
		return Team{}, false
	}
	t := Team{ID: id, Away: counts.Away, NoActiveClient: counts.NoActiveClient, Available: counts.Available,
		InQueue: inQueue, Waiting: e.Waiting(id), OfferOrder: e.OfferOrder(id)}
	if t.Waiting == nil {
		t.Waiting = []pb.CallID{}
	}
	if t.OfferOrder == nil {
		t.OfferOrder = []pb.TeammateID{}
	}
	return t, true
}

// GET /teams/{team}
func (s *Server) getTeam(w http.ResponseWriter, r *http.Request) {
	id := pb.TeamID(r.PathValue("team"))
	var v Team
	var ok bool
	s.view(func(e *assign.Engine) { v, ok = teamOf(e, id) })
	if !ok {
		s.writeError(w, r, fmt.Errorf("%w: %q", assign.ErrUnknownTeam, id))
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// GET /calls/{id}
func (s *Server) getCall(w http.ResponseWriter, r *http.Request) {
	id := pb.CallID(r.PathValue("id"))
	var v assign.CallView
	var ok bool
	s.view(func(e *assign.Engine) { v, ok = e.Call(id) })
	if !ok {
		s.writeError(w, r, fmt.Errorf("%w: %q", assign.ErrUnknownCall, id))
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// wantsText reports whether the client asked for plain text, with
// ?format=text or an Accept header preferring text/plain.
func wantsText(r *http.Request) bool {
	if f := r.URL.Query().Get("format"); f != "" {
		return f == "text"
	}
	return strings.HasPrefix(r.Header.Get("Accept"), "text/plain")
}

func writeText(w http.ResponseWriter, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = io.WriteString(w, text)
}

// GET /calls/{id}/explain
func (s *Server) explain(w http.ResponseWriter, r *http.Request) {
	id := pb.CallID(r.PathValue("id"))
	var x assign.Explanation
	err := fmt.Errorf("%w: %q", assign.ErrUnknownCall, id)
	s.view(func(e *assign.Engine) { x, err = e.Explain(id) })
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if wantsText(r) {
		writeText(w, escapeLines(x.String()))
		return
	}
	writeJSON(w, http.StatusOK, Explanation{Explanation: x, Text: x.String()})
}

// GET /calls/{id}/timeline
//
// The timeline is read from this node's event store: from memory for
// recent calls, from the file for older ones. It waits for the store to
// catch up with this node's state machine, so on the leader it includes
// every command that has returned; on a follower it may trail.
func (s *Server) timeline(w http.ResponseWriter, r *http.Request) {
	id := pb.CallID(r.PathValue("id"))
	_ = s.rt.CatchUp(r.Context()) // on error the store may trail: still serve it
	events, err := s.rt.Events().Timeline(id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if events == nil {
		var known bool
		s.view(func(e *assign.Engine) { _, known = e.Call(id) })
		if !known {
			s.writeError(w, r, fmt.Errorf("%w: %q", assign.ErrUnknownCall, id))
			return
		}
		events = []eventlog.Event{}
	}
	tl := Timeline{Call: id, Events: httpedge.Events(events), Text: make([]string, 0, len(events))}
	for _, ev := range events {
		tl.Text = append(tl.Text, ev.At.Format(time.TimeOnly)+"  "+ev.Text())
	}
	if wantsText(r) {
		var b strings.Builder
		b.WriteString("Call " + escapeLine(string(id)) + "\n")
		for _, line := range tl.Text {
			b.WriteString("  " + escapeLine(line) + "\n")
		}
		writeText(w, b.String())
		return
	}
	writeJSON(w, http.StatusOK, tl)
}

// GET /dashboard: this node's live metrics, read under the collector's
// lock; it never waits on the engine or the telephony.
func (s *Server) dashboard(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, dashboardOf(s.rt.Dashboard(s.rt.Now())))
}
