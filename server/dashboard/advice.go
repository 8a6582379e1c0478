package dashboard

import (
	"time"

	pb "github.com/phonebalance/phonebalance"
)

// TeamAdvice is one team's staffing advice, with the JSON encoding of the
// server's staffing advice tracker: how many teammates are available for
// phone and how many are needed to answer the target fraction of calls
// within the target time.
type TeamAdvice struct {
	Team            pb.TeamID     `json:"team"`
	ArrivalsPerHour float64       `json:"arrivals_per_hour"`
	MeanHandle      time.Duration `json:"mean_handle"`
	Available       int           `json:"available"`
	Needed          int           `json:"needed"`
	Target          Target        `json:"target"`
	Text            string        `json:"text"`
}

// Target is a service-level target: Fraction of calls answered within
// Within.
type Target struct {
	Within   time.Duration `json:"within"`
	Fraction float64       `json:"fraction"`
}
