package suite

import (
	"math/rand/v2"

	"github.com/phonebalance/phonebalance/presence"
)

// Mix is the share of teammates in each state when a [State] is built.
// Shares are of all teammates; whoever is left over is Active on the All
// or Phone channel with an active client.
type Mix struct {
	Away          float64 // status Away with a reason of their own
	NoClient      float64 // phone client closed
	Backgrounded  float64 // phone client open but backgrounded
	Conversations float64 // Active on the Conversations channel
	OnCall        float64 // on a phone call (Away "On a call")
	Ringing       float64 // a call of the team is ringing for them
	Excluded      float64 // declined a call that another teammate then answered
	Never         float64 // never assigned a conversation
	NonMember     float64 // not a member of the team the calls are queued for
}

// Realistic is a working contact center at mid-shift: roughly a third of
// the team could take a call right now.
var Realistic = Mix{
	Away:          0.20,
	NoClient:      0.08,
	Backgrounded:  0.02,
	Conversations: 0.10,
	OnCall:        0.20,
	Ringing:       0.02,
	Excluded:      0.02,
	Never:         0.02,
}

// RandomMix draws a mix for property tests: anything from nearly everyone
// eligible to nearly nobody.
func RandomMix(r *rand.Rand) Mix {
	f := func(max float64) float64 { return r.Float64() * max }
	return Mix{
		Away: f(0.4), NoClient: f(0.2), Backgrounded: f(0.1), Conversations: f(0.2),
		OnCall: f(0.3), Ringing: f(0.1), Excluded: f(0.1), Never: f(0.3), NonMember: f(0.3),
	}
}

// presenceFor draws a teammate's initial presence from the mix.
func (m Mix) presenceFor(r *rand.Rand) presence.State {
	ch := presence.ChannelAll
	if r.IntN(4) == 0 {
		ch = presence.ChannelPhone
	}
	st := presence.State{Channel: ch, Status: presence.Active, ClientOpen: true}
	x := r.Float64()
	switch {
	case x < m.Away:
		st.Status, st.Reason = presence.Away, "Lunch"
	case x < m.Away+m.NoClient:
		st.ClientOpen = false
	case x < m.Away+m.NoClient+m.Backgrounded:
		st.Backgrounded = true
	case x < m.Away+m.NoClient+m.Backgrounded+m.Conversations:
		st.Channel = presence.ChannelConversations
	}
	return st
}
