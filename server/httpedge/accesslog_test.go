package httpedge_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/phonebalance/phonebalance/server/httpedge"
)

// The access log writes one line per request with its ID, the route's
// pattern, status, bytes and the principal's role; the ID comes from a
// sane X-Request-ID or is generated, is returned in the response, and is
// on the lines the handler logs with the request's context.
func TestAccessLog(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(httpedge.WithRequestID(slog.NewJSONHandler(&buf, nil)))
	v, err := httpedge.NewToken(token)
	if err != nil {
		t.Fatal(err)
	}
	m := http.NewServeMux()
	m.HandleFunc("POST /calls/{id}/answer", func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "answered", "call", r.PathValue("id"))
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("12345"))
	})
	h := httpedge.AccessLog(logger, httpedge.Require(v, "", httpedge.Routes(m)))

	serve := func(id string, auth bool) (*httptest.ResponseRecorder, []map[string]any) {
		t.Helper()
		buf.Reset()
		r := httptest.NewRequest("POST", "/calls/call-7/answer", nil)
		if id != "" {
			r.Header.Set(httpedge.RequestIDHeader, id)
		}
		if auth {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var lines []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("log line %q: %v", l, err)
			}
			lines = append(lines, m)
		}
		return w, lines
	}

	w, lines := serve("req-abc.1", true)
	if got := w.Header().Get(httpedge.RequestIDHeader); got != "req-abc.1" {
		t.Fatalf("response request ID %q", got)
	}
	if len(lines) != 2 || lines[0]["msg"] != "answered" || lines[0]["request_id"] != "req-abc.1" {
		t.Fatalf("the handler's line: %v", lines)
	}
	acc := lines[1]
	for k, want := range map[string]any{"msg": "request", "request_id": "req-abc.1", "method": "POST",
		"pattern": "POST /calls/{id}/answer", "path": "/calls/call-7/answer", "status": 201.0, "bytes": 5.0, "role": "host"} {
		if acc[k] != want {
			t.Errorf("access line %s = %v, want %v (line %v)", k, acc[k], want, acc)
		}
	}

	// An insane ID (too long, or with characters a log or a header
	// should not carry) is replaced by a generated one.
	for _, bad := range []string{strings.Repeat("a", 65), "a b", "x\"y", ""} {
		w, lines := serve(bad, false)
		got := w.Header().Get(httpedge.RequestIDHeader)
		if got == bad || len(got) != 24 {
			t.Fatalf("X-Request-ID %q: answered with %q", bad, got)
		}
		acc := lines[len(lines)-1]
		if acc["request_id"] != got || acc["status"] != 401.0 || acc["role"] != "none" || acc["pattern"] != "" {
			t.Fatalf("X-Request-ID %q, unauthenticated: access line %v", bad, acc)
		}
	}
}
