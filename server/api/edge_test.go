package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/phonebalance/phonebalance/server/api"
)

// errorResponse sends a request and checks that the answer is the one
// error body, as JSON, with the status and code wanted.
func errorResponse(t *testing.T, e *env, method, path, body string, header map[string]string, status int, code string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var eb api.ErrorBody
	if err := json.NewDecoder(resp.Body).Decode(&eb); err != nil {
		t.Fatalf("%s %s: not the JSON error body: %v", method, path, err)
	}
	if resp.StatusCode != status || eb.Code != code || eb.Error == "" ||
		resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s %s: %d %q %+v, want %d %q", method, path, resp.StatusCode, resp.Header.Get("Content-Type"), eb, status, code)
	}
	return resp
}

// Unknown routes and wrong methods answer the error body too, the 405
// with ServeMux's Allow header. (Before, both were plain text.)
func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	bearer := map[string]string{"Authorization": "Bearer " + token}
	errorResponse(t, e, "GET", "/nowhere", "", bearer, http.StatusNotFound, "not_found")
	errorResponse(t, e, "GET", "/v1/workspaces/default/calls/a/b/c", "", bearer, http.StatusNotFound, "not_found")
	resp := errorResponse(t, e, "DELETE", "/v1/workspaces/default/calls/call-1", "", bearer, http.StatusMethodNotAllowed, "method_not_allowed")
	if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "GET") {
		t.Fatalf("405 without Allow: %q", allow)
	}
	resp = errorResponse(t, e, "PATCH", "/v1/workspaces/default/teammates/ana/status", "", bearer, http.StatusMethodNotAllowed, "method_not_allowed")
	if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "PUT") {
		t.Fatalf("405 without Allow: %q", allow)
	}
	// Without credentials the routes are not revealed: 401.
	errorResponse(t, e, "GET", "/nowhere", "", nil, http.StatusUnauthorized, "unauthorized")
}

// A body in another format is 415; JSON, no Content-Type, and curl's
// default form type (the body must still be JSON) are read.
func TestContentType(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	body := `{"id":"support","name":"Support"}`
	for _, ct := range []string{"text/plain", "multipart/form-data; boundary=x", "application/xml", "not a type"} {
		errorResponse(t, e, "POST", "/v1/workspaces/default/teams", body, map[string]string{"Authorization": "Bearer " + token, "Content-Type": ct},
			http.StatusUnsupportedMediaType, "unsupported_media_type")
	}
	for i, ct := range []string{"application/json; charset=utf-8", "", "application/x-www-form-urlencoded"} {
		h := map[string]string{"Authorization": "Bearer " + token}
		if ct != "" {
			h["Content-Type"] = ct
		}
		b := strings.Replace(body, "support", "team-"+string(rune('a'+i)), 1)
		if code, resp := e.c.raw("POST", "/v1/workspaces/default/teams", b, h); code != http.StatusCreated {
			t.Fatalf("Content-Type %q: %d %s", ct, code, resp)
		}
	}
}
