package main

import (
	"strings"
	"testing"
)

// The scripted scenarios show every phrase of rules EL1-EL3 as a support
// lead reads it, and every event kind (run fails otherwise).
// Rule: EL1, EL2, EL3, DF1, DF2, DF3, DF4, DF5
func TestTimelineShowsEveryPhrase(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	for _, phrase := range []string{
		"Call answered by Ana.",
		"Call declined by Cleo using the Decline button.",
		"Call declined by Ben\n",
		"Call missed by Cleo.",
		"Call ended by customer before a teammate answered.",
		"Call deflected because Queue is longer than 3 calls.",
		"Call deflected because No teammates available.",
		"Call deflected because Workspace out of office.",
		"Call deflected because Billing is out of office.",
		"Call deflected because Customer has been waiting on hold for more than 6 minutes.",
		"Eli (supervisor) joined the call.",
		"Manual answer requested by Ben.",
		"Started assignment after call ended without an assignee.",
		"Teammates away: 1",
		"Teammates available but with no active phone client: 1",
		"Teammates available: 4",
		"2. Cleo: eligible since the call was offered; next if this ring ends",
		"Customer requested a callback and keeps their place in the queue.",
		"Callback did not reach the customer.",
	} {
		if !strings.Contains(out.String(), phrase) {
			t.Errorf("output lacks %q", phrase)
		}
	}
}
