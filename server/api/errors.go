package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
)

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	// Code is a stable, machine-readable name for the kind of error
	// ("unknown_call", "not_ringing", "bad_request", …).
	Code string `json:"code"`
	// Error is the message, with the offending IDs.
	Error string `json:"error"`
}

// errBadRequest marks a request the server could not read: malformed
// JSON, an unknown field, a missing required field.
var errBadRequest = errors.New("bad request")

// errTooLarge marks a body over the size limit.
var errTooLarge = errors.New("request body too large")

// errNoLeader marks a write while the cluster has no leader (an election).
var errNoLeader = errors.New("no leader: the cluster is electing one; retry")

// statusCodes maps the engine's sentinel errors to an HTTP status and a
// code, tested in order with errors.Is.
var statusCodes = []struct {
	err    error
	status int
	code   string
}{
	{errBadRequest, http.StatusBadRequest, "bad_request"},
	{errTooLarge, http.StatusRequestEntityTooLarge, "too_large"},
	{errNoLeader, http.StatusServiceUnavailable, "no_leader"},
	{replica.ErrNotLeader, http.StatusServiceUnavailable, "not_leader"},
	{replica.ErrClosed, http.StatusServiceUnavailable, "closed"},
	{context.DeadlineExceeded, http.StatusGatewayTimeout, "timeout"},
	{context.Canceled, http.StatusServiceUnavailable, "canceled"},
	{assign.ErrInvalidArgument, http.StatusBadRequest, "invalid_argument"},
	{assign.ErrInvalidConfig, http.StatusBadRequest, "invalid_config"},
	{assign.ErrUnknownTeammate, http.StatusNotFound, "unknown_teammate"},
	{assign.ErrUnknownTeam, http.StatusNotFound, "unknown_team"},
	{assign.ErrUnknownCall, http.StatusNotFound, "unknown_call"},
	{assign.ErrDuplicateTeammate, http.StatusConflict, "duplicate_teammate"},
	{assign.ErrDuplicateTeam, http.StatusConflict, "duplicate_team"},
	{assign.ErrDuplicateCall, http.StatusConflict, "duplicate_call"},
	{assign.ErrDuplicateMember, http.StatusConflict, "duplicate_member"},
	{assign.ErrNotMember, http.StatusConflict, "not_member"},
	{assign.ErrNotRinging, http.StatusConflict, "not_ringing"},
	{assign.ErrDeclineUnavailable, http.StatusConflict, "decline_unavailable"},
	{assign.ErrWrongState, http.StatusConflict, "wrong_state"},
	{assign.ErrCallEnded, http.StatusConflict, "call_ended"},
	{assign.ErrTeammateBusy, http.StatusConflict, "teammate_busy"},
	{assign.ErrTestWorkspace, http.StatusUnprocessableEntity, "test_workspace"},
	{assign.ErrClosed, http.StatusServiceUnavailable, "closed"},
	// The leader never dates a command before the engine's time; seeing
	// this is a bug, not the caller's mistake.
	{assign.ErrTimeWentBackwards, http.StatusInternalServerError, "time_went_backwards"},
}

// StatusOf returns the HTTP status and error code for an error returned by
// the engine or by request decoding: unknown IDs are 404, duplicates and
// commands that do not fit the call's or teammate's state 409, invalid
// arguments 400, a TEST workspace 422, a closed server or no leader 503,
// an engine wait past its deadline 504, anything else 500.
func StatusOf(err error) (status int, code string) {
	for _, m := range statusCodes {
		if errors.Is(err, m.err) {
			return m.status, m.code
		}
	}
	return http.StatusInternalServerError, "internal"
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code := StatusOf(err)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if status >= 500 && status != http.StatusServiceUnavailable {
		s.logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, status, ErrorBody{Code: code, Error: err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(ErrorBody{Code: "internal", Error: err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
