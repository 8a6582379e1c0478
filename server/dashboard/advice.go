package dashboard

import "github.com/phonebalance/phonebalance/server/advice"

// TeamAdvice is one team's staffing advice, as the server's advice
// tracker (advice.Tracker.Advice) returns it: how many teammates are
// available for phone and how many are needed for the team's
// service-level target.
type TeamAdvice = advice.TeamAdvice
