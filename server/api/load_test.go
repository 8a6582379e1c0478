package api_test

import (
	"encoding/json"
	"fmt"
	"github.com/hashicorp/raft"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/api"
)

// Bounds of the load: clients, calls per client, and wall time.
const (
	loadClients      = 100
	loadCallsEach    = 40
	loadDuration     = 8 * time.Second
	loadHeapGrowthMB = 24
)

// A bounded load: 100 clients each run up to 40 calls (arrive, answer
// whoever it rings, hang up) for at most 8 s against one node. No request
// fails with a server error, and once the load is over and the engine has
// forgotten the ended calls, the heap is back within 24 MiB of where it
// started and the goroutines within 10: what remains is the bounded event
// window, the metrics' time buckets and the latest raft snapshot. (Run
// with 400 calls each for 30 s, 40 000 calls leave 8 MiB.)
func TestBoundedLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	// Snapshots often, so the raft log is compacted as it would be over a
	// longer run: what stays is the server's own memory.
	// Ended calls are remembered for a second instead of ten minutes, so
	// that once the load is over the engine forgets them all.
	ecfg := assign.DefaultConfig()
	ecfg.EndedCallRetention = time.Second
	e := newEnvWith(t, newFakeTelephony(), &ecfg, api.Config{MaxInFlight: 4 * loadClients}, func(c *raft.Config) {
		c.SnapshotInterval, c.SnapshotThreshold, c.TrailingLogs = 100*time.Millisecond, 256, 256
	})
	e.c.do("POST", "/v1/workspaces/default/teams", `{"id":"support","name":"Support"}`, http.StatusCreated, nil)
	for i := range 20 {
		id := fmt.Sprintf("tm-%02d", i)
		e.c.do("POST", "/v1/workspaces/default/teammates", `{"id":"`+id+`","name":"`+id+`"}`, http.StatusCreated, nil)
		e.c.do("POST", "/v1/workspaces/default/teams/support/members", `{"teammate":"`+id+`"}`, http.StatusCreated, nil)
	}
	transport := &http.Transport{MaxIdleConnsPerHost: loadClients}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	heapBefore, goroutinesBefore := heapInUse(), runtime.NumGoroutine()

	var calls, answered, serverErrors atomic.Int64
	var firstErr, lastCall atomic.Value
	deadline := time.Now().Add(loadDuration)
	send := func(method, path, body string) (int, []byte) {
		req, _ := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			firstErr.CompareAndSwap(nil, err.Error())
			serverErrors.Add(1)
			return 0, nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			firstErr.CompareAndSwap(nil, fmt.Sprintf("%s %s: %d %s", method, path, resp.StatusCode, b))
			serverErrors.Add(1)
		}
		return resp.StatusCode, b
	}
	var wg sync.WaitGroup
	for c := range loadClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < loadCallsEach && time.Now().Before(deadline); i++ {
				id := fmt.Sprintf("load-%d-%d", c, i)
				code, body := send("POST", "/v1/workspaces/default/calls", `{"id":"`+id+`","team":"support"}`)
				if code != http.StatusCreated {
					continue
				}
				calls.Add(1)
				lastCall.Store(id)
				var res api.Result
				if json.Unmarshal(body, &res) == nil && ringOf(res) != "" {
					if code, _ := send("POST", "/v1/workspaces/default/calls/"+id+"/answer", `{"teammate":"`+ringOf(res)+`"}`); code == http.StatusOK {
						answered.Add(1)
					}
				}
				send("POST", "/v1/workspaces/default/calls/"+id+"/hangup", "")
			}
		}()
	}
	wg.Wait()
	transport.CloseIdleConnections()
	if n := serverErrors.Load(); n > 0 {
		t.Fatalf("%d requests failed; first: %v", n, firstErr.Load())
	}
	if calls.Load() == 0 || answered.Load() == 0 {
		t.Fatalf("%d calls, %d answered", calls.Load(), answered.Load())
	}
	eventually(t, 30*time.Second, func() bool {
		code, _ := e.c.try("GET", "/v1/workspaces/default/calls/"+lastCall.Load().(string), "")
		return code == http.StatusNotFound
	}, func() string { return "the engine still remembers the last call" })
	var team api.Team
	e.c.do("GET", "/v1/workspaces/default/teams/support", "", http.StatusOK, &team)
	if team.InQueue != 0 || team.Available != 20 {
		t.Fatalf("after the load: %+v", team)
	}
	t.Logf("%d calls, %d answered, in %s", calls.Load(), answered.Load(), loadDuration)

	heapAfter := heapInUse()
	t.Logf("heap in use %d KiB before, %d KiB after", heapBefore>>10, heapAfter>>10)
	if growth := int64(heapAfter) - int64(heapBefore); growth > loadHeapGrowthMB<<20 {
		t.Fatalf("heap grew by %d MiB over the load (from %d to %d MiB)", growth>>20, heapBefore>>20, heapAfter>>20)
	}
	eventually(t, 10*time.Second, func() bool { return runtime.NumGoroutine() <= goroutinesBefore+10 },
		func() string {
			return fmt.Sprintf("%d goroutines, %d before the load", runtime.NumGoroutine(), goroutinesBefore)
		})
}

// heapInUse returns the heap in use after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// eventually polls cond every 10 ms for up to limit, then fails with
// what's message.
func eventually(t *testing.T, limit time.Duration, cond func() bool, what func() string) {
	t.Helper()
	end := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(end) {
			t.Fatal(what())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
