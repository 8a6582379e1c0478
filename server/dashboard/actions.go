package dashboard

import (
	"context"
	"fmt"
	"net/http"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// ErrorBody is the JSON body of every error the dashboard answers: the
// edge's one body.
type ErrorBody = httpedge.ErrorBody

func writeJSON(w http.ResponseWriter, status int, v any) { httpedge.WriteJSON(w, status, v) }

// actionError answers err through the edge's one error table, logging the
// 5xx other than 503.
func (s *Server) actionError(w http.ResponseWriter, r *http.Request, err error) {
	if status, _ := httpedge.StatusOf(err); status >= 500 && status != http.StatusServiceUnavailable {
		s.cfg.Logger.ErrorContext(r.Context(), "dashboard: action failed", "path", r.URL.Path, "err", err)
	}
	httpedge.WriteError(w, err)
}

// pathID returns the {id} path value checked as an ID (httpedge.CheckID),
// or the error to answer.
func pathID(r *http.Request, field string) (string, error) {
	id := r.PathValue("id")
	return id, httpedge.CheckID(field, id)
}

// ChannelRequest is the body of POST /dashboard/teammates/{id}/channel.
type ChannelRequest struct {
	// Channel is "All", "Conversations" or "Phone".
	Channel string `json:"channel"`
}

// setChannel changes a teammate's channel availability (rule PR7).
func (s *Server) setChannel(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "teammate")
	if err != nil {
		s.actionError(w, r, err)
		return
	}
	var req ChannelRequest
	if err := httpedge.DecodeJSON(w, r, &req, false); err != nil {
		s.actionError(w, r, err)
		return
	}
	ch, err := parseChannel(req.Channel)
	if err != nil {
		s.actionError(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ActionTimeout)
	defer cancel()
	cmd := assign.Command{Op: assign.OpSetChannel, Teammate: pb.TeammateID(id), Channel: ch}
	if err := s.cfg.Submit(ctx, cmd); err != nil {
		s.actionError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"teammate": id, "channel": ch.String()})
}

func parseChannel(name string) (presence.Channel, error) {
	var c presence.Channel
	if err := c.UnmarshalText([]byte(name)); err != nil {
		return 0, fmt.Errorf("%w: %w: %q (want All, Conversations or Phone)", assign.ErrInvalidArgument, err, name)
	}
	return c, nil
}

func (s *Server) callView(f func(context.Context, pb.CallID) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if f == nil {
			s.actionError(w, r, httpedge.ErrUnavailable)
			return
		}
		id, err := pathID(r, "call")
		if err != nil {
			s.actionError(w, r, err)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ActionTimeout)
		defer cancel()
		v, err := f(ctx, pb.CallID(id))
		if err != nil {
			s.actionError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

func (s *Server) timeline(w http.ResponseWriter, r *http.Request) { s.callView(s.cfg.Timeline)(w, r) }

func (s *Server) explain(w http.ResponseWriter, r *http.Request) { s.callView(s.cfg.Explain)(w, r) }
