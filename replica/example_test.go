package replica_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/benbjohnson/clock"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/replica"
)

// One durable node on a data directory: commands commit through the log,
// effects reach Deliver on the leader, and the state survives a restart.
func Example() {
	dir, err := os.MkdirTemp("", "replica-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	clk := clock.NewMock()
	clk.Set(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	cfg := replica.Config{
		Dir:    dir,
		Engine: assign.DefaultConfig(),
		Clock:  clk,
		Deliver: func(d replica.Delivery) {
			for i, ef := range d.Effects {
				fmt.Println("deliver", d.ID(i).Ordinal, ef.Kind, ef.Call, ef.Teammate, ef.Until.Format("15:04:05"), d.Reconcile)
			}
		},
	}
	node, err := replica.Open(cfg) // one node: it leads when Open returns
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const ws = replica.WorkspaceID("default")
	active := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	for _, c := range []assign.Command{
		{Op: assign.OpAddTeam, Team: "support", Name: "Support"},
		{Op: assign.OpAddTeammate, Teammate: "ana", Name: "Ana", Presence: active},
		{Op: assign.OpAddMember, Team: "support", Teammate: "ana"},
	} {
		if _, err := node.Do(ctx, ws, c); err != nil {
			panic(err)
		}
	}
	rd, err := node.Do(ctx, ws, assign.Command{Op: assign.OpArrive, Call: "call-1", Team: pb.TeamID("support")})
	_ = node.Sync(ctx) // Deliver has run
	fmt.Println("arrive:", err, len(rd.Effects), "effect")
	_ = node.Close()

	// Restart on the same directory: the ringing call is still there, and
	// the leader reconciles the telephony with a Ring for it.
	node, err = replica.Open(cfg)
	if err != nil {
		panic(err)
	}
	defer node.Close()
	_ = node.Sync(ctx)
	_ = node.View(ws, func(e *assign.Engine) {
		v, _ := e.Call("call-1")
		fmt.Println("after restart:", v.Ringing)
	})
	// Output:
	// deliver 0 ring call-1 ana 09:00:30 false
	// arrive: <nil> 1 effect
	// deliver 0 ring call-1 ana 09:00:30 true
	// after restart: ana
}
