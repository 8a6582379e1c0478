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
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// WorkspacePrefix is the prefix of every workspace-scoped route: the
// versioned host API lives under /v1, a workspace's resources under
// /v1/workspaces/{ws}.
const WorkspacePrefix = "/v1/workspaces/{ws}"

// routes is the API's one routing table. Every engine command but Advance
// (the leader's clock drives it) has a route; see server/README.md.
func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	ws := func(method, path string, h http.HandlerFunc) {
		m.HandleFunc(method+" "+WorkspacePrefix+path, s.inWorkspace(h))
	}
	// Teammates.
	ws("GET", "/teammates", s.listTeammates)
	ws("POST", "/teammates", s.addTeammate)
	ws("GET", "/teammates/{id}", s.getTeammate)
	ws("DELETE", "/teammates/{id}", onID(s, "id", s.removeTeammate))
	ws("PUT", "/teammates/{id}/status", onID(s, "id", s.setStatus))
	ws("PUT", "/teammates/{id}/channel", onID(s, "id", s.setChannel))
	ws("PUT", "/teammates/{id}/client", onID(s, "id", s.setClient))
	ws("PUT", "/teammates/{id}/reassign_replies", onID(s, "id", s.setReassignReplies))
	ws("POST", "/teammates/{id}/assignments", onID(s, "id", s.reportAssignment))
	ws("POST", "/teammates/{id}/messenger_calls", onID(s, "id", s.startMessengerCall))
	// Teams.
	ws("GET", "/teams", s.listTeams)
	ws("POST", "/teams", s.addTeam)
	ws("GET", "/teams/{team}", s.getTeam)
	ws("POST", "/teams/{team}/members", onID(s, "team", s.addMember))
	ws("DELETE", "/teams/{team}/members/{id}", onID(s, "team", s.removeMember))
	ws("GET", "/teams/{team}/settings", s.getTeamSettings)
	ws("PUT", "/teams/{team}/settings", onID(s, "team", s.setTeamSettings))
	ws("PUT", "/teams/{team}/override", onID(s, "team", s.setTeamOverride))
	// Calls.
	ws("GET", "/calls", s.listCalls)
	ws("POST", "/calls", s.arrive)
	ws("POST", "/calls/outbound", s.placeOutbound)
	ws("GET", "/calls/{id}", s.getCall)
	ws("POST", "/calls/{id}/queue", onID(s, "id", s.queue))
	ws("POST", "/calls/{id}/answer", onID(s, "id", s.teammateOnCall(assign.OpAnswer)))
	ws("POST", "/calls/{id}/decline", onID(s, "id", s.decline))
	ws("POST", "/calls/{id}/manual_answer", onID(s, "id", s.teammateOnCall(assign.OpManualAnswer)))
	ws("POST", "/calls/{id}/barge", onID(s, "id", s.teammateOnCall(assign.OpBarge)))
	ws("POST", "/calls/{id}/hold", onID(s, "id", s.callOnly(assign.OpHold)))
	ws("POST", "/calls/{id}/resume", onID(s, "id", s.callOnly(assign.OpResume)))
	ws("POST", "/calls/{id}/transfer", onID(s, "id", s.transfer))
	ws("POST", "/calls/{id}/voicemail", onID(s, "id", s.callOnly(assign.OpVoicemail)))
	ws("POST", "/calls/{id}/voicemail/recorded", onID(s, "id", s.callOnly(assign.OpRecordVoicemail)))
	ws("POST", "/calls/{id}/callback", onID(s, "id", s.callOnly(assign.OpRequestCallback)))
	ws("POST", "/calls/{id}/callback/queued", onID(s, "id", s.callOnly(assign.OpQueueCallback)))
	ws("POST", "/calls/{id}/callback/unreached", onID(s, "id", s.callOnly(assign.OpCallbackUnreached)))
	ws("POST", "/calls/{id}/forward", onID(s, "id", s.callOnly(assign.OpForwardUnanswered)))
	ws("POST", "/calls/{id}/customer_answered", onID(s, "id", s.customerAnswered))
	ws("POST", "/calls/{id}/hangup", onID(s, "id", s.hangUp))
	ws("POST", "/calls/{id}/end", onID(s, "id", s.end))
	ws("GET", "/calls/{id}/explain", s.explain)
	ws("GET", "/calls/{id}/timeline", s.timeline)
	// The workspace.
	ws("GET", "/settings", s.getSettings)
	ws("PUT", "/settings", s.setWorkspaceSettings)
	ws("PUT", "/settings/override", s.setWorkspaceOverride)
	ws("GET", "/dashboard", s.dashboard)
	ws("GET", "/voicemails", s.voicemails.List)
	ws("GET", "/voicemails/{file}", s.voicemails.Audio)
	ws("GET", "/effects", s.effects)
	ws("GET", "/events", s.events)
	// The cluster.
	m.Handle("GET /v1/cluster", httpedge.RequireRole(http.HandlerFunc(s.cluster), httpedge.RoleAdmin, httpedge.RoleHost))
	m.Handle("POST /v1/cluster/join", httpedge.RequireRole(http.HandlerFunc(s.join), httpedge.RoleAdmin))
	m.Handle("POST /v1/cluster/remove", httpedge.RequireRole(http.HandlerFunc(s.remove), httpedge.RoleAdmin))
	m.Handle("GET /v1/openapi.json", httpedge.RequireRole(http.HandlerFunc(s.openapi), httpedge.RoleAdmin, httpedge.RoleHost))
	return m
}

// inWorkspace serves h for the workspace {ws} to its host only: any other
// principal gets 403 forbidden, whether {ws} exists or not (a credential
// of one workspace learns nothing of another), and the host of a
// workspace this node does not know (not created yet, or not replicated
// here yet) gets 404 workspace_not_found. h finds the workspace with
// [workspaceOf].
func (s *Server) inWorkspace(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ws := r.PathValue("ws")
		p, _ := httpedge.PrincipalFrom(r.Context())
		if err := httpedge.CheckRole(p, ws, httpedge.RoleHost); err != nil {
			s.writeError(w, r, err)
			return
		}
		sp, err := WorkspaceOf(s.rt, ws)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), workspaceKey{}, sp)))
	}
}

// workspaceKey is the request context's key of the workspace inWorkspace
// resolved.
type workspaceKey struct{}

// workspaceOf returns the workspace of a request served by inWorkspace.
func workspaceOf(r *http.Request) *core.Workspace {
	return r.Context().Value(workspaceKey{}).(*core.Workspace)
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

// do submits cmd to the engine with the server's deadline and returns
// what the command produced; if it did not apply, it has answered the
// request (an error, or a 503 naming the leader) and ok is false. With an
// Idempotency-Key header the key travels with the command into its log
// entry (idempotency.go): a retry gets the first outcome.
func (s *Server) do(w http.ResponseWriter, r *http.Request, cmd assign.Command) (rd assign.Ready, ok bool) {
	sp := workspaceOf(r)
	key, hash, err := idempotencyOf(r, cmd)
	if err == nil && key != "" {
		if out, found := sp.Recorded(key, hash); found { // answered before: no log entry
			if out.Err != nil {
				s.writeError(w, r, out.Err)
				return rd, false
			}
			return out.Ready, true
		}
	}
	if err == nil {
		err = Precheck(sp, cmd)
	}
	if err != nil {
		s.writeError(w, r, err)
		return rd, false
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	if key != "" {
		rd, err = sp.DoIdempotent(ctx, cmd, key, hash)
	} else {
		rd, err = sp.Do(ctx, cmd)
	}
	if err != nil {
		if s.answerNotLeader(w, r, err) {
			return rd, false
		}
		s.writeError(w, r, err)
		return rd, false
	}
	return rd, true
}

// command runs cmd and answers status with what it produced (its events
// and effects, from the Ready that Do returns: no second read of the
// engine).
func (s *Server) command(w http.ResponseWriter, r *http.Request, status int, cmd assign.Command) {
	if rd, ok := s.do(w, r, cmd); ok {
		writeJSON(w, status, resultOf(rd))
	}
}

// view reads this node's engine of the request's workspace; false while
// the workspace is empty.
func (s *Server) view(r *http.Request, read func(e *assign.Engine)) bool {
	ok, err := workspaceOf(r).View(read)
	return ok && err == nil
}

// answerFound answers 200 with what find reads of id in this node's
// engine of the request's workspace, or the error unknown (an
// assign.ErrUnknown...: 404) naming id when find does not find it: the
// one answer of the routes that show one teammate, team or call.
func answerFound[T any, ID ~string](s *Server, w http.ResponseWriter, r *http.Request, unknown error, id ID,
	find func(e *assign.Engine, id ID) (T, bool)) {
	var v T
	var ok bool
	s.view(r, func(e *assign.Engine) { v, ok = find(e, id) })
	if !ok {
		s.writeError(w, r, fmt.Errorf("%w: %q", unknown, id))
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// GET /teammates/{id}
func (s *Server) getTeammate(w http.ResponseWriter, r *http.Request) {
	answerFound(s, w, r, assign.ErrUnknownTeammate, pb.TeammateID(r.PathValue("id")),
		func(e *assign.Engine, id pb.TeammateID) (Teammate, bool) {
			v, ok := e.Teammate(id)
			return teammateOf(v), ok
		})
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
	answerFound(s, w, r, assign.ErrUnknownTeam, pb.TeamID(r.PathValue("team")), teamOf)
}

// GET /calls/{id}
func (s *Server) getCall(w http.ResponseWriter, r *http.Request) {
	answerFound(s, w, r, assign.ErrUnknownCall, pb.CallID(r.PathValue("id")), (*assign.Engine).Call)
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
	s.view(r, func(e *assign.Engine) { x, err = e.Explain(id) })
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
	events, err := s.rt.Store().Timeline(string(workspaceOf(r).ID()), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if events == nil {
		var known bool
		s.view(r, func(e *assign.Engine) { _, known = e.Call(id) })
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

// GET /v1/workspaces/{ws}/dashboard: this node's live metrics, read under the collector's
// lock; it never waits on the engine or the telephony.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, dashboardOf(workspaceOf(r).Dashboard(s.rt.Now())))
}
