package presence_test

import (
	"fmt"
	"time"

	"github.com/phonebalance/phonebalance/presence"
)

func Example() {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ana := presence.State{
		Channel:         presence.ChannelAll,
		Status:          presence.Active,
		ClientOpen:      true,
		ReassignReplies: true,
	}
	show := func(when string) {
		fmt.Printf("%-10s %s %q can take a call: %v\n", when, ana.Status, ana.Reason, ana.CanTakePhone())
	}
	show("start")

	reassign := ana.PhoneCallStarted(presence.PhoneCall)
	show("answered")
	fmt.Println("reassign replies:", reassign)

	now = now.Add(4 * time.Minute)
	ana.PhoneCallEnded(now, 2*time.Minute)
	show("hung up")

	ana.WrapUpDue(now.Add(time.Minute))
	show("+1m")
	ana.WrapUpDue(now.Add(2 * time.Minute))
	show("+2m")
	// Output:
	// start      Active "" can take a call: true
	// answered   Away "On a call" can take a call: false
	// reassign replies: true
	// hung up    Away "call wrap up" can take a call: false
	// +1m        Away "call wrap up" can take a call: false
	// +2m        Active "" can take a call: true
}
