package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/core"
)

// A write refused because leadership moved answers 503 not_leader with a
// message that says once what the client should do: read before retrying
// when the command may still commit, or where the leader's HTTP API is.
func TestNotLeaderSaysItOnce(t *testing.T) {
	rt, err := core.Open(core.Config{InMemory: true, Engine: assign.DefaultConfig(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	s, err := New(Config{Runtime: rt, Token: "test-token-0123456789abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		err  error
		code string
		once string
	}{
		{&replica.NotLeaderError{LeaderID: "10.0.0.1:8080", LeaderAddr: "10.0.0.1:7000", Uncertain: true}, "not_leader", "may still commit"},
		{&replica.NotLeaderError{LeaderID: "10.0.0.1:8080", LeaderAddr: "10.0.0.1:7000"}, "not_leader", "http://10.0.0.1:8080"},
		{&replica.NotLeaderError{}, "no_leader", "retry"},
	} {
		w := httptest.NewRecorder()
		if !s.answerNotLeader(w, httptest.NewRequest("POST", "/v1/workspaces/default/teams", nil), c.err) {
			t.Fatalf("%v: not answered", c.err)
		}
		var eb ErrorBody
		if err := json.Unmarshal(w.Body.Bytes(), &eb); err != nil {
			t.Fatal(err)
		}
		if w.Code != http.StatusServiceUnavailable || eb.Code != c.code || strings.Count(eb.Error, c.once) != 1 ||
			w.Header().Get("Retry-After") == "" {
			t.Fatalf("%v: %d %+v", c.err, w.Code, eb)
		}
	}
}
