package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/phonebalance/phonebalance/server/api"
)

// readyz reads GET /readyz without credentials and returns its status
// and the checks that failed.
func readyz(t *testing.T, base string) (int, api.ReadyBody, []string) {
	t.Helper()
	resp, err := httpClient.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body api.ReadyBody
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, c := range body.Checks {
		if !c.OK {
			failed = append(failed, c.Name)
		}
	}
	return resp.StatusCode, body, failed
}

// GET /readyz is 200 with every check passing on a node that serves, and
// 503 naming the failing checks on one without a leader or with its
// stores closed; /healthz stays 200 (the process lives).
func TestReadyz(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	e.seed()
	status, body, failed := readyz(t, e.ts.URL)
	if status != http.StatusOK || body.Status != "ready" || len(body.Checks) != 4 || len(failed) != 0 {
		t.Fatalf("a serving node: %d %+v", status, body)
	}

	// A cluster node that has not joined any cluster knows no leader.
	alone := startClusterNode(t, "127.0.0.1", false, api.Config{})
	if status, body, failed := readyz(t, alone.url); status != http.StatusServiceUnavailable || body.Status != "not_ready" ||
		len(failed) == 0 || failed[0] != "leader" {
		t.Fatalf("a node without a leader: %d %+v", status, body)
	}
	if resp, err := httpClient.Get(alone.url + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz without a leader: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	if err := e.rt.Close(); err != nil {
		t.Fatal(err)
	}
	if status, body, failed := readyz(t, e.ts.URL); status != http.StatusServiceUnavailable || len(failed) == 0 || failed[0] != "stores_open" {
		t.Fatalf("a closed node: %d %+v", status, body)
	}
}
