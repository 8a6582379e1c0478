package api

import (
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
	m.HandleFunc("PUT /teammates/{id}/status", s.setStatus)
	m.HandleFunc("PUT /teammates/{id}/channel", s.setChannel)
	m.HandleFunc("PUT /teammates/{id}/client", s.setClient)
	m.HandleFunc("POST /teams", s.addTeam)
	m.HandleFunc("GET /teams/{team}", s.getTeam)
	m.HandleFunc("POST /teams/{team}/members", s.addMember)
	m.HandleFunc("POST /calls", s.arrive)
	m.HandleFunc("GET /calls/{id}", s.getCall)
	m.HandleFunc("POST /calls/{id}/answer", s.answer)
	m.HandleFunc("POST /calls/{id}/decline", s.decline)
	m.HandleFunc("POST /calls/{id}/hangup", s.hangUp)
	m.HandleFunc("POST /calls/{id}/end", s.end)
	m.HandleFunc("GET /calls/{id}/explain", s.explain)
	m.HandleFunc("GET /calls/{id}/timeline", s.timeline)
	m.HandleFunc("GET /dashboard", s.dashboard)
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
		return fmt.Errorf("%w: %w", errBadRequest, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: more than one JSON value", errBadRequest)
	}
	return nil
}

// teammateCommand runs cmd and answers with the teammate's state after it,
// read under the same lock.
func (s *Server) teammateCommand(w http.ResponseWriter, r *http.Request, status int, id pb.TeammateID,
	cmd func(e *assign.Engine, now time.Time) error) {
	var v assign.TeammateView
	err := s.live.Do(func(e *assign.Engine, now time.Time) error {
		if err := cmd(e, now); err != nil {
			return err
		}
		v, _ = e.Teammate(id)
		return nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, teammateOf(v))
}

// callCommand runs cmd and answers with the call's state after it.
func (s *Server) callCommand(w http.ResponseWriter, r *http.Request, status int, id pb.CallID,
	cmd func(e *assign.Engine, now time.Time) error) {
	var v assign.CallView
	err := s.live.Do(func(e *assign.Engine, now time.Time) error {
		if err := cmd(e, now); err != nil {
			return err
		}
		v, _ = e.Call(id)
		return nil
	})
	if err != nil {
		s.writeError(w, r, err)
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
	s.teammateCommand(w, r, http.StatusCreated, req.ID, func(e *assign.Engine, now time.Time) error {
		return e.AddTeammate(now, req.ID, req.Name, st)
	})
}

// GET /teammates/{id}
func (s *Server) getTeammate(w http.ResponseWriter, r *http.Request) {
	id := pb.TeammateID(r.PathValue("id"))
	var v assign.TeammateView
	var ok bool
	s.live.View(func(e *assign.Engine) { v, ok = e.Teammate(id) })
	if !ok {
		s.writeError(w, r, fmt.Errorf("%w: %q", assign.ErrUnknownTeammate, id))
		return
	}
	writeJSON(w, http.StatusOK, teammateOf(v))
}

// PUT /teammates/{id}/status
func (s *Server) setStatus(w http.ResponseWriter, r *http.Request) {
	id := pb.TeammateID(r.PathValue("id"))
	var req StatusRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.teammateCommand(w, r, http.StatusOK, id, func(e *assign.Engine, now time.Time) error {
		return e.SetStatus(now, id, req.Status, req.Reason)
	})
}

// PUT /teammates/{id}/channel
func (s *Server) setChannel(w http.ResponseWriter, r *http.Request) {
	id := pb.TeammateID(r.PathValue("id"))
	var req ChannelRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.teammateCommand(w, r, http.StatusOK, id, func(e *assign.Engine, now time.Time) error {
		return e.SetChannel(now, id, req.Channel)
	})
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
	s.teammateCommand(w, r, http.StatusOK, id, func(e *assign.Engine, now time.Time) error {
		return e.SetClient(now, id, *req.Open, req.Backgrounded)
	})
}

// POST /teams
func (s *Server) addTeam(w http.ResponseWriter, r *http.Request) {
	var req AddTeamRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	cfg := assign.TeamConfig{MaxQueue: req.MaxQueue, DeflectWhenNobodyOnline: req.DeflectWhenNobodyOnline}
	if req.MaxWait != "" {
		d, err := time.ParseDuration(req.MaxWait)
		if err != nil {
			s.writeError(w, r, fmt.Errorf("%w: max_wait: %w", errBadRequest, err))
			return
		}
		cfg.MaxWait = d
	}
	var v Team
	err := s.live.Do(func(e *assign.Engine, _ time.Time) error {
		if err := e.AddTeam(req.ID, req.Name, cfg); err != nil {
			return err
		}
		v, _ = teamOf(e, req.ID)
		return nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
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
	return t, true
}

// GET /teams/{team}
func (s *Server) getTeam(w http.ResponseWriter, r *http.Request) {
	id := pb.TeamID(r.PathValue("team"))
	var v Team
	var ok bool
	s.live.View(func(e *assign.Engine) { v, ok = teamOf(e, id) })
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
	s.teammateCommand(w, r, http.StatusCreated, req.Teammate, func(e *assign.Engine, now time.Time) error {
		return e.AddMember(now, team, req.Teammate)
	})
}

// POST /calls
func (s *Server) arrive(w http.ResponseWriter, r *http.Request) {
	var req ArriveRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.callCommand(w, r, http.StatusCreated, req.ID, func(e *assign.Engine, now time.Time) error {
		return e.Arrive(now, req.ID, req.Team)
	})
}

// GET /calls/{id}
func (s *Server) getCall(w http.ResponseWriter, r *http.Request) {
	id := pb.CallID(r.PathValue("id"))
	var v assign.CallView
	var ok bool
	s.live.View(func(e *assign.Engine) { v, ok = e.Call(id) })
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
	s.callCommand(w, r, http.StatusOK, id, func(e *assign.Engine, now time.Time) error {
		return e.Answer(now, id, req.Teammate)
	})
}

// POST /calls/{id}/decline
func (s *Server) decline(w http.ResponseWriter, r *http.Request) {
	id := pb.CallID(r.PathValue("id"))
	var req DeclineRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.callCommand(w, r, http.StatusOK, id, func(e *assign.Engine, now time.Time) error {
		return e.Decline(now, id, req.Teammate, req.Cause)
	})
}

// POST /calls/{id}/hangup: the customer hung up, at any stage.
func (s *Server) hangUp(w http.ResponseWriter, r *http.Request) {
	id := pb.CallID(r.PathValue("id"))
	s.callCommand(w, r, http.StatusOK, id, func(e *assign.Engine, now time.Time) error {
		return e.HangUp(now, id)
	})
}

// POST /calls/{id}/end: the teammate (or another party) ended the call.
func (s *Server) end(w http.ResponseWriter, r *http.Request) {
	id := pb.CallID(r.PathValue("id"))
	req := EndRequest{By: eventlog.ByTeammate}
	if err := decode(w, r, &req, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.callCommand(w, r, http.StatusOK, id, func(e *assign.Engine, now time.Time) error {
		return e.EndCall(now, id, req.By)
	})
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
	_, _ = io.WriteString(w, text)
}

// GET /calls/{id}/explain
func (s *Server) explain(w http.ResponseWriter, r *http.Request) {
	id := pb.CallID(r.PathValue("id"))
	var x assign.Explanation
	var err error
	s.live.View(func(e *assign.Engine) { x, err = e.Explain(id) })
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if wantsText(r) {
		writeText(w, x.String())
		return
	}
	writeJSON(w, http.StatusOK, Explanation{Explanation: x, Text: x.String()})
}

// GET /calls/{id}/timeline
//
// The timeline is read from the event log that deliveries feed, so it
// trails the engine by the time a delivery takes: right after a command
// its events may not be there yet.
func (s *Server) timeline(w http.ResponseWriter, r *http.Request) {
	id := pb.CallID(r.PathValue("id"))
	s.live.Sync() // read our own writes: everything commanded so far is logged
	events := s.log.Timeline(id)
	if events == nil {
		// Not logged (yet, or no more): is the call known at all?
		var known bool
		s.live.View(func(e *assign.Engine) { _, known = e.Call(id) })
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
		b.WriteString("Call " + string(id) + "\n")
		for _, line := range tl.Text {
			b.WriteString("  " + line + "\n")
		}
		writeText(w, b.String())
		return
	}
	writeJSON(w, http.StatusOK, tl)
}

// GET /dashboard
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	s.live.Sync()
	s.mu.Lock()
	d := s.metrics.Dashboard(time.Now())
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, d)
}
