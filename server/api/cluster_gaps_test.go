package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/phonebalance/phonebalance/server/api"
)

// GET /v1/cluster says which events this node lacks: a node with its whole
// history serves an empty list, never a missing field (a follower that
// installed a snapshot lists the range; see core's
// TestFollowerInstallingASnapshotMarksTheGap).
func TestClusterServesEventGaps(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	code, body := e.c.raw("GET", "/v1/cluster", "", map[string]string{"Authorization": "Bearer " + token})
	if code != http.StatusOK {
		t.Fatalf("GET /cluster: %d %s", code, body)
	}
	var got struct {
		EventGaps *[]api.EventGap `json:"event_gaps"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.EventGaps == nil || len(*got.EventGaps) != 0 {
		t.Fatalf("event_gaps = %v in %s, want an empty list", got.EventGaps, body)
	}
}
