package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/presence"
)

// maxActionBody bounds the JSON body of an action.
const maxActionBody = 1 << 10

// maxIDLen bounds the IDs the page sends.
const maxIDLen = 256

// ErrorBody is the JSON body of every error the dashboard answers.
type ErrorBody struct {
	Code  string `json:"code"`
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(ErrorBody{Code: "internal", Error: "encoding the answer failed"})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, ErrorBody{Code: code, Error: msg})
}

// statusOf maps an engine or host error to an HTTP status and code.
func statusOf(err error) (int, string) {
	for _, m := range []struct {
		err    error
		status int
		code   string
	}{
		{assign.ErrInvalidArgument, http.StatusBadRequest, "invalid_argument"},
		{presence.ErrInvalidChannel, http.StatusBadRequest, "invalid_channel"},
		{assign.ErrUnknownTeammate, http.StatusNotFound, "unknown_teammate"},
		{assign.ErrUnknownCall, http.StatusNotFound, "unknown_call"},
		{assign.ErrWrongState, http.StatusConflict, "wrong_state"},
		{assign.ErrCallEnded, http.StatusConflict, "call_ended"},
		{assign.ErrTestWorkspace, http.StatusUnprocessableEntity, "test_workspace"},
		{context.DeadlineExceeded, http.StatusServiceUnavailable, "timeout"},
	} {
		if errors.Is(err, m.err) {
			return m.status, m.code
		}
	}
	return http.StatusServiceUnavailable, "unavailable"
}

func (s *Server) actionError(w http.ResponseWriter, r *http.Request, err error) {
	status, code := statusOf(err)
	if status >= 500 {
		s.cfg.Logger.ErrorContext(r.Context(), "dashboard: action failed", "path", r.URL.Path, "err", err)
	}
	writeError(w, status, code, err.Error())
}

// pathID returns the {id} path value, or "" if it is empty, too long or
// not printable.
func pathID(r *http.Request) string {
	id := r.PathValue("id")
	if id == "" || len(id) > maxIDLen || strings.ContainsFunc(id, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		return ""
	}
	return id
}

// ChannelRequest is the body of POST /dashboard/teammates/{id}/channel.
type ChannelRequest struct {
	// Channel is "All", "Conversations" or "Phone".
	Channel string `json:"channel"`
}

// setChannel changes a teammate's channel availability (rule PR7).
func (s *Server) setChannel(w http.ResponseWriter, r *http.Request) {
	id := pathID(r)
	if id == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "invalid teammate ID")
		return
	}
	var req ChannelRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxActionBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "body must be {\"channel\": \"All\"|\"Conversations\"|\"Phone\"}")
		return
	}
	ch, err := parseChannel(req.Channel)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_channel", err.Error())
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
	for _, c := range []presence.Channel{presence.ChannelAll, presence.ChannelConversations, presence.ChannelPhone} {
		if c.String() == name {
			return c, nil
		}
	}
	return 0, fmt.Errorf("%w: %q (want All, Conversations or Phone)", presence.ErrInvalidChannel, name)
}

func (s *Server) callView(f func(context.Context, pb.CallID) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if f == nil {
			writeError(w, http.StatusNotFound, "not_available", "not available on this server")
			return
		}
		id := pathID(r)
		if id == "" {
			writeError(w, http.StatusBadRequest, "bad_request", "invalid call ID")
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
