package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/telephony"
	"github.com/prometheus/client_golang/prometheus"
)

// createWorkspace creates id once the node leads and returns its token.
func createWorkspace(t *testing.T, rt *core.Runtime, id replica.WorkspaceID) string {
	t.Helper()
	do(t, rt, assign.Command{Op: assign.OpAdvance}) // waits for the leadership
	token, err := rt.CreateWorkspace(context.Background(), id, nil)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// doIn submits cmd to workspace w.
func doIn(t *testing.T, w *core.Workspace, cmd assign.Command) {
	t.Helper()
	if _, err := w.Do(context.Background(), cmd); err != nil {
		t.Fatalf("%s: %v: %v", w.ID(), cmd.Op, err)
	}
}

// Two workspaces of one runtime share nothing: teams, calls, events,
// metrics and effects are each workspace's own, with the same IDs in
// both; a restart keeps the registry and each workspace's history apart.
//
// Rule: MT1, MT15
func TestWorkspacesAreIsolated(t *testing.T) {
	dir := t.TempDir()
	tel := telephony.LogTelephony{Logger: quiet()}
	rt := open(t, core.Config{Dir: dir, Telephony: tel})
	seed(t, rt)
	token := createWorkspace(t, rt, "acme")
	acme, err := rt.Workspace("acme")
	if err != nil {
		t.Fatal(err)
	}
	// acme has the default's team and call IDs, and one more call.
	doIn(t, acme, assign.Command{Op: assign.OpAddTeam, Team: "support", Name: "Acme support"})
	doIn(t, acme, assign.Command{Op: assign.OpAddTeammate, Teammate: "zoe", Name: "Zoe", Presence: active})
	doIn(t, acme, assign.Command{Op: assign.OpAddMember, Team: "support", Teammate: "zoe"})
	for _, c := range []pb.CallID{"call-1", "call-2"} {
		doIn(t, acme, assign.Command{Op: assign.OpArrive, Call: c, Team: "support"})
	}
	do(t, rt, assign.Command{Op: assign.OpArrive, Call: "call-1", Team: "support"})

	check := func(rt *core.Runtime) {
		t.Helper()
		def, acme := rt.Default(), must(rt.Workspace("acme"))
		if d := def.Dashboard(time.Time{}); d.InQueue != 1 {
			t.Errorf("default's dashboard: %d in queue, want 1", d.InQueue)
		}
		if d := acme.Dashboard(time.Time{}); d.InQueue != 2 {
			t.Errorf("acme's dashboard: %d in queue, want 2", d.InQueue)
		}
		var ana bool
		_, _ = acme.View(func(e *assign.Engine) { _, ana = e.Teammate("ana") })
		if ana {
			t.Error("acme sees the default workspace's teammate ana")
		}
		tl, err := acme.Events().Timeline("call-1")
		if err != nil || len(tl) == 0 {
			t.Fatalf("acme's call-1 timeline: %v, %v", tl, err)
		}
		for _, ev := range tl {
			if ev.Teammate != "" && ev.Teammate != "zoe" {
				t.Errorf("acme's call-1 timeline names %s", ev.Teammate)
			}
		}
		if got, want := rt.Workspaces(), []replica.WorkspaceID{core.DefaultWorkspace, "acme"}; !equal(got, want) {
			t.Errorf("workspaces %v, want %v", got, want)
		}
		// The exporter has each workspace's series under its label.
		for ws, want := range map[string]float64{"default": 1, "acme": 2} {
			g := gauge(t, rt.Exporter(), "phonebalance_calls_in_queue", map[string]string{"workspace": ws, "team": "support"})
			if g != want {
				t.Errorf("calls_in_queue{workspace=%q} = %v, want %v", ws, g, want)
			}
		}
	}
	check(rt)
	if recs, _, _ := must(rt.Workspace("acme")).Effects().After(replica.EffectID{}, 100); len(recs) == 0 {
		t.Error("acme's effect log is empty")
	} else if def, _, _ := rt.Default().Effects().After(replica.EffectID{}, 1000); len(def) == 0 || def[0].ID == recs[0].ID {
		t.Errorf("the default's effect log: %d effects, first %v (acme's first %v)", len(def), def[0].ID, recs[0].ID)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	rt = open(t, core.Config{Dir: dir, Telephony: tel})
	defer rt.Close()
	do(t, rt, assign.Command{Op: assign.OpAdvance}) // the log is replayed
	check(rt)
	if ws, ok := rt.VerifyToken(token); !ok || ws != "acme" {
		t.Errorf("acme's token after a restart: %q, %v", ws, ok)
	}
}

// Workspace creation: valid DNS-label IDs only, once each (the default
// included), a host token that names its workspace, is kept only as a
// digest, and stops working when rotated; unknown workspaces are
// ErrWorkspaceNotFound.
func TestWorkspaceRegistry(t *testing.T) {
	rt := open(t, core.Config{InMemory: true, Telephony: telephony.LogTelephony{Logger: quiet()}})
	defer rt.Close()
	token := createWorkspace(t, rt, "acme")
	if !strings.HasPrefix(token, "acme.") || len(token) < 40 {
		t.Fatalf("token %q", token)
	}
	ctx := context.Background()
	for _, id := range []replica.WorkspaceID{"", "Acme", "-acme", "acme-", "a_b", "a.b", "../x", "_cluster",
		replica.WorkspaceID(strings.Repeat("a", 64))} {
		if _, err := rt.CreateWorkspace(ctx, id, nil); !errors.Is(err, core.ErrBadWorkspaceID) || !errors.Is(err, assign.ErrInvalidArgument) {
			t.Errorf("CreateWorkspace(%q): %v, want ErrBadWorkspaceID", id, err)
		}
	}
	for _, id := range []replica.WorkspaceID{"acme", core.DefaultWorkspace} {
		if _, err := rt.CreateWorkspace(ctx, id, nil); !errors.Is(err, core.ErrWorkspaceExists) {
			t.Errorf("CreateWorkspace(%q) again: %v, want ErrWorkspaceExists", id, err)
		}
	}
	if _, err := rt.Workspace("nope"); !errors.Is(err, core.ErrWorkspaceNotFound) {
		t.Errorf("Workspace(nope): %v", err)
	}
	rec, ok := rt.Record("acme")
	if !ok || rec.Created.IsZero() || strings.Contains(string(rec.TokenSHA256), token) {
		t.Fatalf("record %+v, %v", rec, ok)
	}
	for _, bad := range []string{"", "acme", "acme.", token + "x", "default." + strings.SplitN(token, ".", 2)[1], "nope.x"} {
		if ws, ok := rt.VerifyToken(bad); ok {
			t.Errorf("VerifyToken(%q) = %q", bad, ws)
		}
	}
	fresh, err := rt.RotateToken(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rt.VerifyToken(token); ok {
		t.Error("the rotated token still works")
	}
	if ws, ok := rt.VerifyToken(fresh); !ok || ws != "acme" {
		t.Errorf("the new token: %q, %v", ws, ok)
	}
	if _, err := rt.RotateToken(ctx, core.DefaultWorkspace); !errors.Is(err, core.ErrWorkspaceNotFound) {
		t.Errorf("rotating the default's token: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// gauge reads one series of c.
func gauge(t *testing.T, c prometheus.Collector, name string, labels map[string]string) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if v, ok := labels[l.GetName()]; ok && v != l.GetValue() {
					continue metric
				}
			}
			return m.GetGauge().GetValue()
		}
	}
	return -1
}
