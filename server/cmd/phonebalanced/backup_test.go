package main

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/phonebalance/phonebalance/client"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/phonebalance/phonebalance/server/api"
)

// A backup taken while a bounded stream of calls is written, restored
// into a new data directory, starts a node holding exactly the backup's
// index, with every teammate and every call the original had by then:
// a call that had ended is served byte for byte as the original serves
// it, with the same timeline; one in progress has a timeline that begins
// the original's. The host token cannot take a backup; restore refuses a
// directory in use. The restored node takes new writes.
func TestBackupRestoreUnderLoad(t *testing.T) {
	base := t.TempDir()
	orig := startChild(t, "-data", filepath.Join(base, "orig"), "-http", "127.0.0.1:0")
	must(t, orig.addr, "POST", "/v1/workspaces/default/teams", `{"id":"support","name":"Support"}`, http.StatusCreated, nil)
	teammates := []string{"ana", "ben", "cleo"}
	for _, id := range teammates {
		must(t, orig.addr, "POST", "/v1/workspaces/default/teammates", `{"id":"`+id+`","name":"`+strings.ToUpper(id)+`"}`, http.StatusCreated, nil)
		must(t, orig.addr, "POST", "/v1/workspaces/default/teams/support/members", `{"teammate":"`+id+`"}`, http.StatusCreated, nil)
	}

	// The load: calls one after another, each answered and ended.
	const calls = 60
	var wg sync.WaitGroup
	progress := make(chan int, calls)
	loadErr := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(progress)
		for i := range calls {
			id := fmt.Sprintf("load-%d", i)
			var res client.Result
			code, body := request(orig.addr, "POST", "/v1/workspaces/default/calls", `{"id":"`+id+`","team":"support"}`)
			ringing := ""
			if code == http.StatusCreated && json.Unmarshal([]byte(body), &res) == nil {
				for _, ef := range res.Effects {
					if ef.Kind == "ring" {
						ringing = string(ef.Teammate)
					}
				}
			}
			if ringing == "" {
				loadErr <- fmt.Errorf("%s: %d %s", id, code, body)
				return
			}
			for _, step := range [][2]string{{"/answer", `{"teammate":"` + ringing + `"}`}, {"/end", ``}} {
				if code, body := request(orig.addr, "POST", "/v1/workspaces/default/calls/"+id+step[0], step[1]); code != http.StatusOK {
					loadErr <- fmt.Errorf("%s%s: %d %s", id, step[0], code, body)
					return
				}
			}
			progress <- i
		}
	}()
	for i := range progress {
		if i >= 4 {
			break
		}
	}

	file := filepath.Join(base, "pb.tar")
	env := func(token string) func(string) string {
		return func(k string) string {
			if k == "PHONEBALANCE_ADMIN_TOKEN" {
				return token
			}
			return ""
		}
	}
	if err := backupCommand(context.Background(), []string{"-from", orig.addr, "-o", file}, io.Discard, io.Discard, env(testToken)); err == nil ||
		!strings.Contains(err.Error(), "403") {
		t.Fatalf("a backup with the host token: %v", err)
	}
	var out strings.Builder
	if err := backupCommand(context.Background(), []string{"-from", orig.addr, "-o", file}, &out, io.Discard, env(testAdminToken)); err != nil {
		t.Fatal(err)
	}
	for range progress { // the load runs to its end
	}
	wg.Wait()
	select {
	case err := <-loadErr:
		t.Fatal(err)
	default:
	}
	var index uint64
	if _, err := fmt.Sscanf(out.String()[strings.Index(out.String(), "index"):], "index %d", &index); err != nil {
		t.Fatalf("backup output %q: %v", out.String(), err)
	}

	if err := restoreCommand([]string{"-i", file, "-data", filepath.Join(base, "orig")}, io.Discard, io.Discard); err == nil {
		t.Fatal("restore into the original's data directory was accepted")
	}
	data := filepath.Join(base, "restored")
	if err := restoreCommand([]string{"-i", file, "-data", data}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(data, "events.db")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("restored events.db: %v %v", fi, err)
	}
	restored := startChild(t, "-data", data, "-http", "127.0.0.1:0")
	var cl api.ClusterBody
	must(t, restored.addr, "GET", "/v1/cluster", "", http.StatusOK, &cl)
	if cl.AppliedIndex != index {
		t.Fatalf("the restored node starts at index %d, the backup holds %d", cl.AppliedIndex, index)
	}

	for _, id := range teammates {
		var a, b api.Teammate
		must(t, orig.addr, "GET", "/v1/workspaces/default/teammates/"+id, "", http.StatusOK, &a)
		must(t, restored.addr, "GET", "/v1/workspaces/default/teammates/"+id, "", http.StatusOK, &b)
		if a.ID != b.ID || a.Name != b.Name {
			t.Fatalf("teammate %s: restored %+v, original %+v", id, b, a)
		}
	}
	must(t, restored.addr, "GET", "/v1/workspaces/default/teams/support", "", http.StatusOK, nil)
	held, ended := 0, 0
	for i := range calls {
		id := fmt.Sprintf("load-%d", i)
		code, call := request(restored.addr, "GET", "/v1/workspaces/default/calls/"+id, "")
		if code == http.StatusNotFound {
			// Calls come one after another: the backup holds a prefix.
			for j := i + 1; j < calls; j++ {
				if code, _ := request(restored.addr, "GET", fmt.Sprintf("/v1/workspaces/default/calls/load-%d", j), ""); code != http.StatusNotFound {
					t.Fatalf("the backup holds load-%d but not %s", j, id)
				}
			}
			break
		}
		held++
		_, origCall := request(orig.addr, "GET", "/v1/workspaces/default/calls/"+id, "")
		timeline := must(t, restored.addr, "GET", "/v1/workspaces/default/calls/"+id+"/timeline", "", http.StatusOK, nil)
		origTimeline := must(t, orig.addr, "GET", "/v1/workspaces/default/calls/"+id+"/timeline", "", http.StatusOK, nil)
		var v struct {
			Ended bool `json:"ended"`
		}
		if err := json.Unmarshal([]byte(call), &v); err != nil {
			t.Fatal(err)
		}
		if v.Ended {
			ended++
			if call != origCall || timeline != origTimeline {
				t.Fatalf("%s (ended): restored\n%s\n%s\noriginal\n%s\n%s", id, call, timeline, origCall, origTimeline)
			}
			continue
		}
		var got, want struct {
			Events []json.RawMessage `json:"events"`
		}
		if err := json.Unmarshal([]byte(timeline), &got); err != nil || len(got.Events) == 0 {
			t.Fatalf("%s timeline: %v in %s", id, err, timeline)
		}
		if err := json.Unmarshal([]byte(origTimeline), &want); err != nil || len(got.Events) > len(want.Events) {
			t.Fatalf("%s: restored timeline %s, original %s", id, timeline, origTimeline)
		}
		for k := range got.Events {
			if string(got.Events[k]) != string(want.Events[k]) {
				t.Fatalf("%s: restored timeline %s does not begin the original's %s", id, timeline, origTimeline)
			}
		}
	}
	t.Logf("the backup at index %d holds %d calls (%d ended) of %d", index, held, ended, calls)
	if ended < 5 || held == calls {
		t.Fatalf("the backup holds %d calls (%d ended) of %d: not taken under load", held, ended, calls)
	}
	must(t, restored.addr, "POST", "/v1/workspaces/default/calls", `{"id":"after-restore","team":"support"}`, http.StatusCreated, nil)
	for _, c := range []*child{orig, restored} {
		if err := c.stop(); err != nil {
			t.Fatalf("%v\n%s", err, c.stderr())
		}
	}
}
