package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// startThreeNodes starts a cluster of three nodes on 127.0.0.1, 127.0.0.2
// and 127.0.0.3: the first bootstrapped and leading, the others joined.
// tel, if not nil, makes each node's telephony side.
func startThreeNodes(t *testing.T, ctx context.Context, tel func() telephony.Telephony) []*clusterNode {
	t.Helper()
	start := func(host string, bootstrap bool) *clusterNode {
		if tel == nil {
			return startClusterNode(t, host, bootstrap, api.Config{})
		}
		return startClusterNodeWith(t, host, bootstrap, api.Config{}, tel())
	}
	nodes := []*clusterNode{start("127.0.0.1", true)}
	waitLeader(t, nodes[0].rt)
	for _, host := range []string{"127.0.0.2", "127.0.0.3"} {
		n := start(host, false)
		if err := nodes[0].rt.Node().Join(ctx, n.rt.Node().ID(), n.rt.Node().Addr()); err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, n)
	}
	return nodes
}

// killLeader is stopLeader, then the new leader among the others.
func killLeader(t *testing.T, ctx context.Context, nodes []*clusterNode) *clusterNode {
	t.Helper()
	stopLeader(t, ctx, nodes)
	return waitNewLeader(t, ctx, nodes[1:])
}

// stopLeader waits until every follower has applied what the leader
// (nodes[0]) has, then closes the leader, without waiting for the next
// one. It fails the test if ctx ends first.
func stopLeader(t *testing.T, ctx context.Context, nodes []*clusterNode) {
	t.Helper()
	final := nodes[0].rt.Node().AppliedIndex()
	for _, n := range nodes[1:] {
		for n.rt.Node().AppliedIndex() < final {
			if ctx.Err() != nil {
				t.Fatal("a follower did not catch up")
			}
			time.Sleep(5 * time.Millisecond) // polling a real cluster, bounded by ctx
		}
	}
	nodes[0].ts.Close()
	_ = nodes[0].rt.Close()
}

// waitNewLeader polls the nodes until one leads, failing the test if ctx
// ends first.
func waitNewLeader(t *testing.T, ctx context.Context, nodes []*clusterNode) *clusterNode {
	t.Helper()
	for {
		for _, n := range nodes {
			if n.rt.Node().IsLeader() {
				return n
			}
		}
		if ctx.Err() != nil {
			t.Fatal("no new leader")
		}
		time.Sleep(5 * time.Millisecond) // polling a real cluster, bounded by ctx
	}
}
