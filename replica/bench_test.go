package replica

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/stretchr/testify/require"
)

// benchRaft keeps raft's timeouts short enough for a quick start and long
// enough that a loaded 2-core machine keeps its leader.
func benchRaft(c *raft.Config) {
	c.HeartbeatTimeout, c.ElectionTimeout, c.LeaderLeaseTimeout = 500*time.Millisecond, 500*time.Millisecond, 500*time.Millisecond
}

// benchCluster opens the cluster under test on the real clock and returns
// its leader.
type benchCluster func(b *testing.B) (leader *Node, close func())

func benchOneNode(b *testing.B) (*Node, func()) {
	n, err := Open(Config{Dir: b.TempDir(), Engine: assign.DefaultConfig(), Logger: quietLogger(), TuneRaft: benchRaft})
	require.NoError(b, err)
	waitLeader(b, 10*time.Second, n)
	return n, func() { _ = n.Close() }
}

func benchThreeNodes(b *testing.B) (*Node, func()) {
	base := b.TempDir()
	var nodes []*Node
	for i := range 3 {
		id := fmt.Sprintf("n%d", i+1)
		n, err := Open(Config{Dir: filepath.Join(base, id), NodeID: id, RaftAddr: "127.0.0.1:0", Bootstrap: i == 0,
			Engine: assign.DefaultConfig(), Logger: quietLogger(), TuneRaft: benchRaft})
		require.NoError(b, err)
		nodes = append(nodes, n)
	}
	leader := waitLeader(b, 10*time.Second, nodes[0])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, n := range nodes[1:] {
		require.NoError(b, leader.Join(ctx, n.ID(), n.Addr()))
	}
	return leader, func() {
		for _, n := range nodes {
			_ = n.Close()
		}
	}
}

// BenchmarkCommit measures commands committed per second and the commit
// latency (Do, from submission to the leader's applied result) with 1, 8
// and 64 concurrent submitters: one node on bolt with fsync, and three
// nodes on bolt over loopback TCP. Each command is a ReportAssignment for
// one of 64 teammates.
func BenchmarkCommit(b *testing.B) {
	for _, c := range []struct {
		name string
		open benchCluster
	}{{"bolt-1node", benchOneNode}, {"bolt-3nodes-tcp", benchThreeNodes}} {
		for _, subs := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/submitters=%d", c.name, subs), func(b *testing.B) {
				benchCommit(b, c.open, subs)
			})
		}
	}
}

func benchCommit(b *testing.B, open benchCluster, submitters int) {
	leader, closeAll := open(b)
	defer closeAll()
	ctx := context.Background()
	const ws = WorkspaceID("bench")
	var teammates []pb.TeammateID
	for i := range 64 {
		id := pb.TeammateID(fmt.Sprintf("t%02d", i))
		teammates = append(teammates, id)
		_, err := leader.Do(ctx, ws, assign.Command{Op: assign.OpAddTeammate, Teammate: id, Name: string(id), Presence: available})
		require.NoError(b, err)
	}
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range submitters {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				t := time.Now()
				_, err := leader.Do(ctx, ws, assign.Command{Op: assign.OpReportAssignment, Teammate: teammates[i%64]})
				lat[i] = time.Since(t)
				if err != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	require.Zero(b, failed.Load(), "commands failed")
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "cmds/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
}
