package api_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/api"
)

// Each step runs in order on one server, so later steps see the state
// earlier ones made: a call ringing Ana, then answered, then ended.
func TestErrorMapping(t *testing.T) {
	s, _, _ := newServer(t, api.Config{})
	seed(t, s)
	mustServe(t, s, "POST", "/calls", `{"id":"call-1","team":"support"}`, http.StatusCreated, nil)

	steps := []struct {
		method, path, body string
		status             int
		code               string
	}{
		// Unknown IDs.
		{"POST", "/calls", `{"id":"call-2","team":"sales"}`, 404, "unknown_team"},
		{"POST", "/calls/nope/answer", `{"teammate":"ana"}`, 404, "unknown_call"},
		{"POST", "/calls/call-1/answer", `{"teammate":"zoe"}`, 404, "unknown_teammate"},
		{"PUT", "/teammates/zoe/status", `{"status":"Active"}`, 404, "unknown_teammate"},
		{"POST", "/teams/sales/members", `{"teammate":"ana"}`, 404, "unknown_team"},
		{"GET", "/calls/nope", ``, 404, "unknown_call"},
		{"GET", "/calls/nope/timeline", ``, 404, "unknown_call"},
		{"GET", "/teammates/zoe", ``, 404, "unknown_teammate"},
		{"GET", "/teams/sales", ``, 404, "unknown_team"},
		// Duplicates.
		{"POST", "/teammates", `{"id":"ana","name":"Ana"}`, 409, "duplicate_teammate"},
		{"POST", "/teams", `{"id":"support"}`, 409, "duplicate_team"},
		{"POST", "/teams/support/members", `{"teammate":"ana"}`, 409, "duplicate_member"},
		{"POST", "/calls", `{"id":"call-1","team":"support"}`, 409, "duplicate_call"},
		// Wrong state: the call rings Ana, not Ben.
		{"POST", "/calls/call-1/answer", `{"teammate":"ben"}`, 409, "not_ringing"},
		{"POST", "/calls/call-1/decline", `{"teammate":"ben","cause":"button"}`, 409, "not_ringing"},
		// Invalid arguments, caught by the engine.
		{"POST", "/calls", `{"id":"","team":"support"}`, 400, "invalid_argument"},
		{"POST", "/calls/call-1/decline", `{"teammate":"ana"}`, 400, "invalid_argument"},
		{"POST", "/teammates", `{"id":"cleo","status":"Away"}`, 400, "invalid_argument"},
		{"PUT", "/teammates/ana/channel", `{}`, 400, "invalid_argument"},
		{"POST", "/teams", `{"id":"sales","max_queue":-1}`, 400, "invalid_config"},
		// Requests the server cannot read.
		{"POST", "/teammates", `{"id":`, 400, "bad_request"},
		{"POST", "/teammates", `{"id":"cleo","colour":"red"}`, 400, "bad_request"},
		{"POST", "/teammates", `{"id":"cleo","channel":"Fax"}`, 400, "bad_request"},
		{"POST", "/calls/call-1/decline", `{"teammate":"ana","cause":"shrug"}`, 400, "bad_request"},
		{"PUT", "/teammates/ana/client", `{}`, 400, "bad_request"},
		{"POST", "/teams", `{"id":"sales","max_wait":"soon"}`, 400, "bad_request"},
		{"POST", "/calls", `{"id":"a","team":"support"} {}`, 400, "bad_request"},
		// Ana answers; then the call can no longer be explained, nor
		// answered again.
		{"POST", "/calls/call-1/answer", `{"teammate":"ana"}`, 200, ""},
		{"GET", "/calls/call-1/explain", ``, 409, "wrong_state"},
		{"POST", "/calls/call-1/answer", `{"teammate":"ana"}`, 409, "not_ringing"},
		{"POST", "/calls/call-1/end", `{"by":"nobody"}`, 400, "bad_request"},
		{"POST", "/calls/call-1/end", ``, 200, ""},
		{"POST", "/calls/call-1/end", ``, 409, "call_ended"},
		{"POST", "/calls/call-1/hangup", ``, 409, "call_ended"},
		{"GET", "/calls/call-1", ``, 200, ""},
		// Routes the mux refuses.
		{"DELETE", "/calls/call-1", ``, 405, ""},
		{"GET", "/nowhere", ``, 404, ""},
	}
	for _, st := range steps {
		code, body := serve(t, s, st.method, st.path, st.body)
		if code != st.status {
			t.Fatalf("%s %s %s: status %d, want %d; body %s", st.method, st.path, st.body, code, st.status, body)
		}
		if st.code == "" {
			continue
		}
		var eb api.ErrorBody
		if err := json.Unmarshal([]byte(body), &eb); err != nil {
			t.Fatalf("%s %s: error body %q: %v", st.method, st.path, body, err)
		}
		if eb.Code != st.code || eb.Error == "" {
			t.Fatalf("%s %s %s: error body %+v, want code %q", st.method, st.path, st.body, eb, st.code)
		}
	}
}

// Balanced assignment refuses to work in a TEST workspace: 422.
func TestTestWorkspaceIs422(t *testing.T) {
	cfg := assign.DefaultConfig()
	cfg.TestWorkspace = true
	s, _, _ := newServer(t, api.Config{Engine: &cfg})
	seed(t, s)
	var eb api.ErrorBody
	mustServe(t, s, "POST", "/calls", `{"id":"call-1","team":"support"}`, http.StatusUnprocessableEntity, &eb)
	equal(t, "code", eb.Code, "test_workspace")
}

// Under auto-answer there is no Decline button: 409.
func TestDeclineUnderAutoAnswerIs409(t *testing.T) {
	cfg := assign.DefaultConfig()
	cfg.AutoAnswer = true
	s, tel, _ := newServer(t, api.Config{Engine: &cfg})
	seed(t, s)
	var call api.Call
	mustServe(t, s, "POST", "/calls", `{"id":"call-1","team":"support"}`, http.StatusCreated, &call)
	tel.waitFor(t, "ring call-1 ana "+call.RingUntil.Format("15:04:05")+" auto")
	var eb api.ErrorBody
	mustServe(t, s, "POST", "/calls/call-1/decline", `{"teammate":"ana","cause":"button"}`, http.StatusConflict, &eb)
	equal(t, "code", eb.Code, "decline_unavailable")
	// A failed connection is still a decline.
	mustServe(t, s, "POST", "/calls/call-1/decline", `{"teammate":"ana","cause":"connectivity"}`, http.StatusOK, &call)
	equal(t, "ringing", call.Ringing, "ben")
}

// After Close, commands answer 503 and reads still work.
func TestClosedServerIs503(t *testing.T) {
	s, _, _ := newServer(t, api.Config{})
	seed(t, s)
	s.Close()
	var eb api.ErrorBody
	mustServe(t, s, "POST", "/calls", `{"id":"call-1","team":"support"}`, http.StatusServiceUnavailable, &eb)
	equal(t, "code", eb.Code, "closed")
	mustServe(t, s, "GET", "/teams/support", ``, http.StatusOK, nil)
}

func TestStatusOf(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
		code   string
	}{
		{fmt.Errorf("wrapped: %w", assign.ErrUnknownCall), 404, "unknown_call"},
		{fmt.Errorf("%w: %q", assign.ErrTeammateBusy, "ana"), 409, "teammate_busy"},
		{assign.ErrNotMember, 409, "not_member"},
		{assign.ErrTimeWentBackwards, 500, "time_went_backwards"},
		{errors.New("disk on fire"), 500, "internal"},
	} {
		status, code := api.StatusOf(c.err)
		if status != c.status || code != c.code {
			t.Errorf("StatusOf(%v) = %d, %q; want %d, %q", c.err, status, code, c.status, c.code)
		}
	}
}
