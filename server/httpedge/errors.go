package httpedge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/replica"
)

// The edge's own errors, each with one row in the error table ([StatusOf]).
// Wrap them with fmt.Errorf("%w: ...") to add the details.
var (
	// ErrBadRequest: the request could not be read (malformed JSON, an
	// unknown field, trailing data, a missing required field).
	ErrBadRequest = errors.New("bad request")
	// ErrInvalidUTF8: a JSON body or a text field is not valid UTF-8.
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	// ErrInvalidID: an ID the server refuses (see [CheckID]).
	ErrInvalidID = errors.New("invalid ID")
	// ErrInvalidText: a name or reason the server refuses (see [CheckText]).
	ErrInvalidText = errors.New("invalid text")
	// ErrTooLarge: a body over its limit.
	ErrTooLarge = errors.New("request body too large")
	// ErrUnsupportedMediaType: a body whose Content-Type the endpoint does
	// not read.
	ErrUnsupportedMediaType = errors.New("unsupported media type")
	// ErrUnauthorized: no credentials, or credentials that are not valid.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: the principal is authenticated but its role does not
	// allow the request (a teammate acting for another teammate, a host
	// token reshaping the cluster, an admin token acting on a workspace).
	ErrForbidden = errors.New("forbidden")
	// ErrCrossOrigin: a state-changing request from another origin.
	ErrCrossOrigin = errors.New("cross-origin request refused")
	// ErrNotFound: no route for the path.
	ErrNotFound = errors.New("not found")
	// ErrMethodNotAllowed: the path exists, not with this method.
	ErrMethodNotAllowed = errors.New("method not allowed")
	// ErrRateLimited: the client sent more than its rate.
	ErrRateLimited = errors.New("too many requests from this address")
	// ErrBusy: the server serves as many requests (or streams) as it
	// allows.
	ErrBusy = errors.New("too many requests in flight")
	// ErrNoLeader: a write while the cluster has no leader.
	ErrNoLeader = errors.New("no leader: the cluster is electing one; retry")
	// ErrUnavailable: a feature this server does not offer.
	ErrUnavailable = errors.New("not available on this server")
	// ErrWorkspaceNotFound: a /v1/workspaces/{ws} path naming a workspace
	// that does not exist (on this node).
	ErrWorkspaceNotFound = errors.New("workspace not found")
	// ErrWorkspaceExists: creating a workspace whose ID is taken.
	ErrWorkspaceExists = errors.New("workspace exists")
)

// entry is one row of the error table.
type entry struct {
	err    error
	status int
	code   string
}

// table maps every error the server answers to one status and one code,
// tested in order with errors.Is (the first match wins, so more specific
// errors come first). server/README.md documents it; TestTableDocumented
// keeps the two in step.
//
// A deadline (context.DeadlineExceeded) is 503 "timeout", not 504: the
// wait that expired is this server's own wait for the raft quorum to
// commit and apply, the command may still commit, and every "retry after
// reading" answer is then one status with Retry-After. A 504 in front of
// the server is then unambiguously a proxy's.
var table = []entry{
	{ErrBadRequest, http.StatusBadRequest, "bad_request"},
	{ErrInvalidUTF8, http.StatusBadRequest, "invalid_utf8"},
	{ErrInvalidID, http.StatusBadRequest, "invalid_id"},
	{ErrInvalidText, http.StatusBadRequest, "invalid_text"},
	{ErrTooLarge, http.StatusRequestEntityTooLarge, "too_large"},
	{ErrUnsupportedMediaType, http.StatusUnsupportedMediaType, "unsupported_media_type"},
	{ErrUnauthorized, http.StatusUnauthorized, "unauthorized"},
	{ErrForbidden, http.StatusForbidden, "forbidden"},
	{ErrCrossOrigin, http.StatusForbidden, "cross_origin"},
	{ErrNotFound, http.StatusNotFound, "not_found"},
	{ErrUnavailable, http.StatusNotFound, "not_available"},
	{ErrWorkspaceNotFound, http.StatusNotFound, "workspace_not_found"},
	{ErrMethodNotAllowed, http.StatusMethodNotAllowed, "method_not_allowed"},
	{ErrRateLimited, http.StatusTooManyRequests, "rate_limited"},
	{ErrBusy, http.StatusServiceUnavailable, "busy"},
	{ErrNoLeader, http.StatusServiceUnavailable, "no_leader"},
	{replica.ErrNotLeader, http.StatusServiceUnavailable, "not_leader"},
	{replica.ErrClosed, http.StatusServiceUnavailable, "closed"},
	{assign.ErrClosed, http.StatusServiceUnavailable, "closed"},
	{context.DeadlineExceeded, http.StatusServiceUnavailable, "timeout"},
	{context.Canceled, http.StatusServiceUnavailable, "canceled"},
	{assign.ErrInvalidArgument, http.StatusBadRequest, "invalid_argument"},
	{presence.ErrInvalidChannel, http.StatusBadRequest, "invalid_argument"},
	{assign.ErrInvalidConfig, http.StatusBadRequest, "invalid_config"},
	{assign.ErrUnknownTeammate, http.StatusNotFound, "unknown_teammate"},
	{assign.ErrUnknownTeam, http.StatusNotFound, "unknown_team"},
	{assign.ErrUnknownCall, http.StatusNotFound, "unknown_call"},
	{ErrWorkspaceExists, http.StatusConflict, "workspace_exists"},
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
	{replica.ErrIdempotencyKeyReused, http.StatusUnprocessableEntity, "idempotency_key_reused"},
	// The leader never dates a command before the engine's time; seeing
	// this is a bug, not the caller's mistake.
	{assign.ErrTimeWentBackwards, http.StatusInternalServerError, "time_went_backwards"},
}

// Row is one row of the error table, for documentation and tests.
type Row struct {
	Status int
	Code   string
}

// Table returns the error table's distinct (status, code) rows in order,
// plus the fallback "internal" (500). The result is a fresh slice.
func Table() []Row {
	var rows []Row
	seen := map[string]bool{}
	for _, e := range table {
		if !seen[e.code] {
			seen[e.code] = true
			rows = append(rows, Row{e.status, e.code})
		}
	}
	return append(rows, Row{http.StatusInternalServerError, "internal"})
}

// StatusOf returns the HTTP status and code of err: the first row of the
// table err matches (errors.Is), or 500 "internal".
func StatusOf(err error) (status int, code string) {
	for _, e := range table {
		if errors.Is(err, e.err) {
			return e.status, e.code
		}
	}
	return http.StatusInternalServerError, "internal"
}

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	// Code is a stable, machine-readable name for the kind of error (the
	// error table's code).
	Code string `json:"code"`
	// Error is the message for a person, with the offending values.
	Error string `json:"error"`
}

// WriteError answers err with its status and code from the table and the
// {"code", "error"} body. 503 and 429 answers carry Retry-After: 1. It
// must be called before anything is written to w.
func WriteError(w http.ResponseWriter, err error) {
	status, code := StatusOf(err)
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		if w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", "1")
		}
	}
	if status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="phonebalance"`)
	}
	WriteJSON(w, status, ErrorBody{Code: code, Error: err.Error()})
}

// Errorf is fmt.Errorf for edge errors: Errorf(ErrInvalidID, "%q", id)
// wraps kind with the formatted details.
func Errorf(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))
}

// WriteJSON answers v as indented JSON with status, Content-Type
// application/json, Cache-Control no-store and X-Content-Type-Options
// nosniff. A value that does not encode answers 500 "internal".
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(ErrorBody{Code: "internal", Error: "encoding the answer failed"})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
