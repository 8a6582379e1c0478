package assign_test

import (
	"fmt"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

// A call rings the longest-idle teammate; a decline passes it on at once
// and keeps the decliner away from that call for 5 minutes.
func Example() {
	eng, err := assign.New(assign.DefaultConfig())
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	active := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	_ = eng.AddTeam("support", "Support", assign.TeamConfig{})
	for _, tm := range []struct {
		id   pb.TeammateID
		name string
	}{{"ana", "Ana"}, {"ben", "Ben"}} {
		_ = eng.AddTeammate(now, tm.id, tm.name, active)
		_ = eng.AddMember(now, "support", tm.id)
	}
	_ = eng.ReportAssignment(now, "ana") // Ana just took a chat: Ben is longer idle
	eng.Ready()

	_ = eng.Arrive(now.Add(time.Minute), "call-1", "support")
	_ = eng.Decline(now.Add(time.Minute+5*time.Second), "call-1", "ben", eventlog.DeclineButton)
	_ = eng.Advance(now.Add(2 * time.Minute))

	rd := eng.Ready()
	for _, ev := range rd.Events {
		fmt.Println(ev.At.Format("15:04:05"), ev.Text())
	}
	for _, ef := range rd.Effects {
		fmt.Println(ef.Kind, ef.Call, ef.Teammate, ef.Until.Format("15:04:05"))
	}
	// Output:
	// 09:01:00 Call placed by customer.
	// 09:01:00 Call queued for Support.
	// 09:01:00 Call assigned to Ben.
	// 09:01:05 Call declined by Ben using the Decline button.
	// 09:01:05 Call assigned to Ana.
	// 09:01:35 Call missed by Ana.
	// ring call-1 ben 09:01:30
	// ring call-1 ana 09:01:35
	// stop_ringing call-1 ana 00:00:00
}
