package httpedge

import (
	"net/http"
)

// Routes returns m answering the requests it has no route for with the
// error body: 404 "not_found" for an unknown path, 405
// "method_not_allowed" (with the Allow header ServeMux sets) for a known
// path with another method. Matched requests, and ServeMux's redirects,
// are m's as they are.
func Routes(m *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := m.Handler(r)
		if pattern != "" {
			NoteRoute(r, pattern)
			m.ServeHTTP(w, r)
			return
		}
		// Let ServeMux's own handler decide 404 or 405 (and set Allow),
		// then answer with the body.
		rec := &statusRecorder{header: w.Header()}
		h.ServeHTTP(rec, r)
		switch rec.status {
		case http.StatusMethodNotAllowed:
			WriteError(w, Errorf(ErrMethodNotAllowed, "%s %s (allowed: %s)", r.Method, r.URL.Path, w.Header().Get("Allow")))
		case http.StatusNotFound, 0:
			WriteError(w, Errorf(ErrNotFound, "no route for %s %s", r.Method, r.URL.Path))
		default: // not expected from ServeMux; keep its status
			WriteJSON(w, rec.status, ErrorBody{Code: "internal", Error: http.StatusText(rec.status)})
		}
	})
}

// statusRecorder keeps the status a handler writes and drops its body;
// headers go to the real response.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header { return s.header }

func (s *statusRecorder) WriteHeader(status int) {
	if s.status == 0 {
		s.status = status
	}
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.WriteHeader(http.StatusOK)
	return len(b), nil
}
