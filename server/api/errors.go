package api

import (
	"net/http"

	"github.com/phonebalance/phonebalance/server/httpedge"
)

// ErrorBody is the JSON body of every error response (the edge's one
// body, httpedge.ErrorBody).
type ErrorBody = httpedge.ErrorBody

// The API's names for the edge's errors.
var (
	errBadRequest = httpedge.ErrBadRequest
	errNoLeader   = httpedge.ErrNoLeader
)

// writeError answers err through the edge's one error table
// (httpedge.StatusOf), logging the 5xx other than 503.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if status, _ := httpedge.StatusOf(err); status >= 500 && status != http.StatusServiceUnavailable {
		s.logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	httpedge.WriteError(w, err)
}

func writeJSON(w http.ResponseWriter, status int, v any) { httpedge.WriteJSON(w, status, v) }
