package baseline

import (
	"math"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/presence"
)

// Never is the last-assignment value of a teammate never assigned a
// conversation: they sort first (rule AS3).
const Never = math.MinInt64

// CallLimit is the product's call limit: one call, ringing or active
// (rule AS4).
const CallLimit = 1

// Teammate is one teammate's state as both baselines store it.
type Teammate struct {
	ID           pb.TeammateID
	Channel      presence.Channel
	Status       presence.Status
	ClientOpen   bool
	Backgrounded bool
	// Ringing reports whether a call is ringing for them.
	Ringing bool
	// Calls is the number of phone calls they are on.
	Calls int
	// Last is the last conversation assignment in Unix nanoseconds, or
	// Never.
	Last int64
}

// Eligible is rule AS2 less team membership and per-call exclusion.
func (t Teammate) Eligible() bool {
	return t.Channel.TakesPhone() && t.Status == presence.Active &&
		t.ClientOpen && !t.Backgrounded && !t.Ringing && t.Calls < CallLimit
}
