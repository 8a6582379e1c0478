package api_test

import (
	"net/http"
	"testing"

	"github.com/phonebalance/phonebalance/server/api"
)

// Open event streams (a wallboard, every teammate's inbox tab) do not take
// the slots of ordinary requests: with every in-flight slot taken by
// streams, a command is still served.
func TestStreamsHaveTheirOwnBudget(t *testing.T) {
	e := newEnv(t, nil, api.Config{MaxInFlight: 1, MaxStreams: 2})
	e.seed()
	var streams []*http.Response
	for range 2 {
		req, _ := http.NewRequest("GET", e.ts.URL+"/v1/workspaces/default/effects", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("stream: %d", resp.StatusCode)
		}
		streams = append(streams, resp)
	}
	t.Cleanup(func() {
		for _, r := range streams {
			r.Body.Close()
		}
	})
	// Both stream slots are held; an ordinary request still has its slot.
	e.c.do("GET", "/v1/workspaces/default/teammates/ana", "", http.StatusOK, nil)
	// A third stream is refused at once, not queued behind the others.
	req, _ := http.NewRequest("GET", e.ts.URL+"/v1/workspaces/default/effects", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("third stream: %d, want 503", resp.StatusCode)
	}
}
