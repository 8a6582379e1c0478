package inbox

import (
	"context"
	"fmt"
	"net/http"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// actionTimeout bounds each command's wait for the log.
const actionTimeout = 10 * time.Second

// access is who may use a route on teammate {id}: the teammate
// themselves (httpedge.RequireSelf), or also a supervisor
// (httpedge.RequireSupervise).
type access int

const (
	self access = iota
	supervise
)

// mate is the teammate a route is on: {id} in the session's workspace.
type mate struct {
	ws *core.Workspace
	id pb.TeammateID
}

// teammateHandler serves a route on one teammate, already authorized.
type teammateHandler func(w http.ResponseWriter, r *http.Request, m mate)

// onTeammate is the one authorization of the inbox's routes: {id} must be
// an ID the principal may act for (or, with supervise, read and change
// the channel of), and everything the route reads or changes is in the
// principal's own workspace, the only one its session names: a session
// of one workspace never reaches another's teammates, calls or events.
func (s *Server) onTeammate(a access, h teammateHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if err := httpedge.CheckID("teammate", id); err != nil {
			s.fail(w, r, err)
			return
		}
		p, _ := httpedge.PrincipalFrom(r.Context())
		check := httpedge.RequireSelf
		if a == supervise {
			check = httpedge.RequireSupervise
		}
		if err := check(p, p.Workspace, id); err != nil {
			s.fail(w, r, err)
			return
		}
		ws, err := s.workspace(p.Workspace)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		h(w, r, mate{ws: ws, id: pb.TeammateID(id)})
	}
}

// me answers who the session is.
func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	p, _ := httpedge.PrincipalFrom(r.Context())
	httpedge.WriteJSON(w, http.StatusOK, map[string]string{"teammate": p.Teammate, "role": p.Role.String(), "workspace": p.Workspace})
}

func (s *Server) getState(w http.ResponseWriter, r *http.Request, m mate) {
	st, err := s.state(m, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpedge.WriteJSON(w, http.StatusOK, st)
}

// do decodes nothing more, runs cmd and answers the teammate's new state.
func (s *Server) do(w http.ResponseWriter, r *http.Request, m mate, cmd assign.Command) {
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	if err := api.Submit(ctx, m.ws, cmd); err != nil {
		s.fail(w, r, err)
		return
	}
	s.getState(w, r, m)
}

// ChannelRequest is the body of PUT .../channel.
type ChannelRequest struct {
	// Channel is "All", "Conversations" or "Phone" (rule PR1).
	Channel string `json:"channel"`
}

func (s *Server) setChannel(w http.ResponseWriter, r *http.Request, m mate) {
	var req ChannelRequest
	if err := httpedge.DecodeJSON(w, r, &req, false); err != nil {
		s.fail(w, r, err)
		return
	}
	var ch presence.Channel
	if err := ch.UnmarshalText([]byte(req.Channel)); err != nil {
		s.fail(w, r, fmt.Errorf("%w: %w: %q (want All, Conversations or Phone)", assign.ErrInvalidArgument, err, req.Channel))
		return
	}
	s.do(w, r, m, assign.Command{Op: assign.OpSetChannel, Teammate: m.id, Channel: ch})
}

// StatusRequest is the body of PUT .../status: Active, or Away with a
// reason (rule PR2). "Switch to active" during wrap-up is Active (PR6).
type StatusRequest struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

func (s *Server) setStatus(w http.ResponseWriter, r *http.Request, m mate) {
	var req StatusRequest
	if err := httpedge.DecodeJSON(w, r, &req, false); err != nil {
		s.fail(w, r, err)
		return
	}
	var st presence.Status
	switch req.Status {
	case "Active":
		st = presence.Active
		if req.Reason != "" {
			s.fail(w, r, fmt.Errorf("%w: an Active status has no reason", assign.ErrInvalidArgument))
			return
		}
	case "Away":
		st = presence.Away
		if err := httpedge.CheckText("reason", req.Reason, httpedge.MaxReasonBytes); err != nil || req.Reason == "" {
			if err == nil {
				err = fmt.Errorf("%w: Away needs a reason", assign.ErrInvalidArgument)
			}
			s.fail(w, r, err)
			return
		}
	default:
		s.fail(w, r, fmt.Errorf("%w: status %q (want Active or Away)", assign.ErrInvalidArgument, req.Status))
		return
	}
	s.do(w, r, m, assign.Command{Op: assign.OpSetStatus, Teammate: m.id, Status: st, Reason: req.Reason})
}

// ToggleRequest is the body of PUT .../reassign-replies (rule PR4).
type ToggleRequest struct {
	On bool `json:"on"`
}

func (s *Server) setReassign(w http.ResponseWriter, r *http.Request, m mate) {
	var req ToggleRequest
	if err := httpedge.DecodeJSON(w, r, &req, false); err != nil {
		s.fail(w, r, err)
		return
	}
	s.do(w, r, m, assign.Command{Op: assign.OpSetReassignReplies, Teammate: m.id, On: req.On})
}

// ownCall returns {call} when it is the teammate's: ringing for them, or
// answered by them, or one they were excluded from after missing or
// declining it (so they can see why it moved on). Others are 403: a
// teammate reads and acts on their own calls only.
func (s *Server) ownCall(r *http.Request, m mate) (pb.CallID, assign.CallView, error) {
	cid := r.PathValue("call")
	if err := httpedge.CheckID("call", cid); err != nil {
		return "", assign.CallView{}, err
	}
	var v assign.CallView
	var ok bool
	_, _ = m.ws.View(func(e *assign.Engine) { v, ok = e.Call(pb.CallID(cid)) })
	if !ok {
		return "", v, fmt.Errorf("%w: %q", assign.ErrUnknownCall, cid)
	}
	mine := v.Ringing == m.id || v.Agent == m.id
	for _, x := range v.Excluded {
		mine = mine || x.Teammate == m.id
	}
	p, _ := httpedge.PrincipalFrom(r.Context())
	if !mine && p.Role != httpedge.RoleHost {
		return "", v, httpedge.Errorf(httpedge.ErrForbidden, "call %q is not teammate %q's", cid, m.id)
	}
	return pb.CallID(cid), v, nil
}

func (s *Server) callCommand(w http.ResponseWriter, r *http.Request, m mate, cmd func(pb.CallID) assign.Command) {
	cid, _, err := s.ownCall(r, m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.do(w, r, m, cmd(cid))
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, m mate) {
	s.callCommand(w, r, m, func(c pb.CallID) assign.Command {
		return assign.Command{Op: assign.OpAnswer, Call: c, Teammate: m.id}
	})
}

// decline declines with the Decline button: the call moves on and the
// teammate is excluded from it for 5 minutes (rule AS7).
func (s *Server) decline(w http.ResponseWriter, r *http.Request, m mate) {
	s.callCommand(w, r, m, func(c pb.CallID) assign.Command {
		return assign.Command{Op: assign.OpDecline, Call: c, Teammate: m.id, Decline: eventlog.DeclineButton}
	})
}

func (s *Server) hangup(w http.ResponseWriter, r *http.Request, m mate) {
	cid, v, err := s.ownCall(r, m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Agent != m.id {
		s.fail(w, r, fmt.Errorf("%w: teammate %q is not on call %q", assign.ErrWrongState, m.id, cid))
		return
	}
	s.do(w, r, m, assign.Command{Op: assign.OpEndCall, Call: cid, By: eventlog.ByTeammate})
}

// CallDetails is "See details": the call's timeline from the event store
// and why it came to the teammate, from the engine's explanation.
type CallDetails struct {
	Call     assign.CallView `json:"call"`
	Timeline []string        `json:"timeline"`
	Why      string          `json:"why"`
}

func (s *Server) callDetails(w http.ResponseWriter, r *http.Request, m mate) {
	cid, v, err := s.ownCall(r, m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := CallDetails{Call: v, Timeline: []string{}}
	var x assign.Explanation
	xerr := fmt.Errorf("%w: %q", assign.ErrUnknownCall, cid)
	_, _ = m.ws.View(func(e *assign.Engine) { x, xerr = e.Explain(cid) })
	if xerr == nil {
		d.Why = x.String()
	}
	evs, err := m.ws.Events().Timeline(cid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, e := range evs {
		d.Timeline = append(d.Timeline, e.At.UTC().Format("15:04:05")+" "+e.Text())
	}
	httpedge.WriteJSON(w, http.StatusOK, d)
}
