package core_test

import (
	"fmt"
	"testing"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/core"
)

// A batch reaches the subscribers of its workspace and those of every
// workspace, not another workspace's; a snapshot's batch (no workspace)
// reaches them all. Closed subscriptions, and all of them once the hub
// closes, receive nothing more.
func TestHubDeliversEachWorkspacesBatchesToItsSubscribers(t *testing.T) {
	h := core.NewHub()
	a, b, all := h.Subscribe("a", 4), h.Subscribe("b", 4), h.Subscribe("", 4)
	a2 := h.Subscribe("a", 4)
	if n := h.Subscribers(); n != 4 {
		t.Fatalf("%d subscribers, want 4", n)
	}
	ev := []eventlog.Event{{Seq: 1}}
	h.Publish(core.Batch{Index: 1, Workspace: "a", Events: ev})
	h.Publish(core.Batch{Index: 2, Workspace: "b", Events: ev})
	a2.Close()
	h.Publish(core.Batch{Index: 3, Gap: true})
	h.Publish(core.Batch{Index: 4, Workspace: "a", Events: ev})
	if n := h.Subscribers(); n != 3 {
		t.Fatalf("%d subscribers after one closed, want 3", n)
	}
	h.Close()
	h.Publish(core.Batch{Index: 5, Workspace: "a", Events: ev})
	for name, c := range map[string]struct {
		sub  *core.Subscription
		want []uint64
	}{
		"a": {a, []uint64{1, 3, 4}}, "b": {b, []uint64{2, 3}}, "every": {all, []uint64{1, 2, 3, 4}}, "closed": {a2, []uint64{1}},
	} {
		var got []uint64
		for batch := range c.sub.C() { // closed by the hub's Close
			got = append(got, batch.Index)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s received %v, want %v", name, got, c.want)
		}
	}
	if n := h.Subscribers(); n != 0 {
		t.Fatalf("%d subscribers after Close", n)
	}
}

// BenchmarkHubPublish publishes one workspace's batch on a hub with two
// subscribers in each of 1,000 workspaces, as the stream does per applied
// command.
func BenchmarkHubPublish(b *testing.B) {
	h := core.NewHub()
	defer h.Close()
	for i := range 1000 {
		for range 2 {
			s := h.Subscribe(replica.WorkspaceID(fmt.Sprintf("ws-%d", i)), 1)
			defer s.Close()
		}
	}
	batch := core.Batch{Index: 1, Workspace: "ws-7", Events: []eventlog.Event{{Seq: 1}}}
	b.ReportAllocs()
	for b.Loop() {
		h.Publish(batch)
	}
}
