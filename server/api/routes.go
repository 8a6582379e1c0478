package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

// maxBody bounds a request body.
const maxBody = 64 << 10

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /teammates", s.addTeammate)
	m.HandleFunc("GET /teammates/{id}", s.getTeammate)
	m.HandleFunc("DELETE /teammates/{id}", s.removeTeammate)
	m.HandleFunc("PUT /teammates/{id}/status", s.setStatus)
	m.HandleFunc("PUT /teammates/{id}/channel", s.setChannel)
	m.HandleFunc("PUT /teammates/{id}/client", s.setClient)
	m.HandleFunc("POST /teams", s.addTeam)
	m.HandleFunc("GET /teams/{team}", s.getTeam)
	m.HandleFunc("POST /teams/{team}/members", s.addMember)
	m.HandleFunc("DELETE /teams/{team}/members/{id}", s.removeMember)
	m.HandleFunc("POST /calls", s.arrive)
	m.HandleFunc("GET /calls/{id}", s.getCall)
	m.HandleFunc("POST /calls/{id}/answer", s.answer)
	m.HandleFunc("POST /calls/{id}/decline", s.decline)
	m.HandleFunc("POST /calls/{id}/hold", s.hold)
	m.HandleFunc("POST /calls/{id}/resume", s.resume)
	m.HandleFunc("POST /calls/{id}/transfer", s.transfer)
	m.HandleFunc("POST /calls/{id}/hangup", s.hangUp)
	m.HandleFunc("POST /calls/{id}/end", s.end)
	m.HandleFunc("GET /calls/{id}/explain", s.explain)
	m.HandleFunc("GET /calls/{id}/timeline", s.timeline)
	m.HandleFunc("GET /dashboard", s.dashboard)
	m.HandleFunc("GET /cluster", s.cluster)
	m.HandleFunc("POST /cluster/join", s.join)
	m.HandleFunc("POST /cluster/remove", s.remove)
	return m
}

// decode reads a JSON body into v. With optional, an empty body leaves v
// as it is.
func decode(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if optional && errors.Is(err, io.EOF) {
			return nil
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fmt.Errorf("%w: body larger than %d bytes", errTooLarge, maxBody)
		}
		return fmt.Errorf("%w: %w", errBadRequest, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: more than one JSON value", errBadRequest)
	}
	return nil
}

// do submits cmd to the engine with the server's deadline and reports
// whether it applied; if not, it has answered the request (an error, or a
// redirect to the leader).
func (s *Server) do(w http.ResponseWriter, r *http.Request, cmd assign.Command) bool {
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	if _, err := s.rt.Do(ctx, cmd); err != nil {
		if s.redirectToLeader(w, r, err) {
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

// POST /teammates
func (s *Server) addTeammate(w http.ResponseWriter, r *http.Request) {
	var req AddTeammateRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := req.validate(); err != nil {
		s.writeError(w, r, err)
		return
	}
	st := presence.State{Channel: req.Channel, Status: req.Status, Reason: req.Reason,
		ClientOpen: true, Backgrounded: req.Backgrounded}
	if st.Channel == 0 {
		st.Channel = presence.ChannelAll
	}
	if st.Status == 0 {
		st.Status = presence.Active
	}
	if req.ClientOpen != nil {
		st.ClientOpen = *req.ClientOpen
	}
	s.teammateCommand(w, r, http.StatusCreated, req.ID,
		assign.Command{Op: assign.OpAddTeammate, Teammate: req.ID, Name: req.Name, Presence: st})
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

// DELETE /teammates/{id}
func (s *Server) removeTeammate(w http.ResponseWriter, r *http.Request) {
	id := pb.TeammateID(r.PathValue("id"))
	if s.do(w, r, assign.Command{Op: assign.OpRemoveTeammate, Teammate: id}) {
		w.WriteHeader(http.StatusNoContent)
	}
}

// PUT /teammates/{id}/status
func (s *Server) setStatus(w http.ResponseWriter, r *http.Request) {
	id := pb.TeammateID(r.PathValue("id"))
	var req StatusRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkText("reason", req.Reason, maxName); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.teammateCommand(w, r, http.StatusOK, id,
		assign.Command{Op: assign.OpSetStatus, Teammate: id, Status: req.Status, Reason: req.Reason})
}

// PUT /teammates/{id}/channel
func (s *Server) setChannel(w http.ResponseWriter, r *http.Request) {
	id := pb.TeammateID(r.PathValue("id"))
	var req ChannelRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.teammateCommand(w, r, http.StatusOK, id,
		assign.Command{Op: assign.OpSetChannel, Teammate: id, Channel: req.Channel})
}

// PUT /teammates/{id}/client
func (s *Server) setClient(w http.ResponseWriter, r *http.Request) {
	id := pb.TeammateID(r.PathValue("id"))
	var req ClientRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Open == nil {
		s.writeError(w, r, fmt.Errorf("%w: \"open\" is required", errBadRequest))
		return
	}
	s.teammateCommand(w, r, http.StatusOK, id,
		assign.Command{Op: assign.OpSetClient, Teammate: id, Open: *req.Open, Background: req.Backgrounded})
}

// POST /teams
func (s *Server) addTeam(w http.ResponseWriter, r *http.Request) {
	var req AddTeamRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	cfg, err := req.config()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.do(w, r, assign.Command{Op: assign.OpAddTeam, Team: req.ID, Name: req.Name, TeamConfig: cfg}) {
		return
	}
	var v Team
	s.view(func(e *assign.Engine) { v, _ = teamOf(e, req.ID) })
	writeJSON(w, http.StatusCreated, v)
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

// POST /teams/{team}/members
func (s *Server) addMember(w http.ResponseWriter, r *http.Request) {
	team := pb.TeamID(r.PathValue("team"))
	var req MemberRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.teammateCommand(w, r, http.StatusCreated, req.Teammate,
		assign.Command{Op: assign.OpAddMember, Team: team, Teammate: req.Teammate})
}

// DELETE /teams/{team}/members/{id}
func (s *Server) removeMember(w http.ResponseWriter, r *http.Request) {
	team, id := pb.TeamID(r.PathValue("team")), pb.TeammateID(r.PathValue("id"))
	s.teammateCommand(w, r, http.StatusOK, id, assign.Command{Op: assign.OpRemoveMember, Team: team, Teammate: id})
}

// POST /calls
func (s *Server) arrive(w http.ResponseWriter, r *http.Request) {
	var req ArriveRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkID("id", string(req.ID)); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.callCommand(w, r, http.StatusCreated, req.ID, assign.Command{Op: assign.OpArrive, Call: req.ID, Team: req.Team})
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

// POST /calls/{id}/answer
func (s *Server) answer(w http.ResponseWriter, r *http.Request) {
	id := pb.CallID(r.PathValue("id"))
	var req AnswerRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.callCommand(w, r, http.StatusOK, id, assign.Command{Op: assign.OpAnswer, Call: id, Teammate: req.Teammate})
}

// POST /calls/{id}/decline
func (s *Server) decline(w http.ResponseWriter, r *http.Request) {
	id := pb.CallID(r.PathValue("id"))
	var req DeclineRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.callCommand(w, r, http.StatusOK, id,
		assign.Command{Op: assign.OpDecline, Call: id, Teammate: req.Teammate, Decline: req.Cause})
}

// POST /calls/{id}/hold
func (s *Server) hold(w http.ResponseWriter, r *http.Request) {
	id := pb.CallID(r.PathValue("id"))
	s.callCommand(w, r, http.StatusOK, id, assign.Command{Op: assign.OpHold, Call: id})
}

// POST /calls/{id}/resume
func (s *Server) resume(w http.ResponseWriter, r *http.Request) {
	id := pb.CallID(r.PathValue("id"))
	s.callCommand(w, r, http.StatusOK, id, assign.Command{Op: assign.OpResume, Call: id})
}

// POST /calls/{id}/transfer
func (s *Server) transfer(w http.ResponseWriter, r *http.Request) {
	id := pb.CallID(r.PathValue("id"))
	var req TransferRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.callCommand(w, r, http.StatusOK, id, assign.Command{Op: assign.OpTransfer, Call: id, Team: req.Team})
}

// POST /calls/{id}/hangup: the customer hung up, at any stage.
func (s *Server) hangUp(w http.ResponseWriter, r *http.Request) {
	id := pb.CallID(r.PathValue("id"))
	// HangUp is EndCall by the customer.
	s.callCommand(w, r, http.StatusOK, id, assign.Command{Op: assign.OpEndCall, Call: id, By: eventlog.ByCustomer})
}

// POST /calls/{id}/end: the teammate (or another party) ended the call.
func (s *Server) end(w http.ResponseWriter, r *http.Request) {
	id := pb.CallID(r.PathValue("id"))
	req := EndRequest{By: eventlog.ByTeammate}
	if err := decode(w, r, &req, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.callCommand(w, r, http.StatusOK, id, assign.Command{Op: assign.OpEndCall, Call: id, By: req.By})
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
	tl := Timeline{Call: id, Events: events, Text: make([]string, 0, len(events))}
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
	writeJSON(w, http.StatusOK, s.rt.Dashboard(s.rt.Now()))
}
