package advice

import (
	"errors"
	"fmt"
	"math"
	"time"

	pb "github.com/phonebalance/phonebalance"
)

// Defaults applied to zero fields.
const (
	// DefaultWindow is the sliding window when Config.Window is zero.
	DefaultWindow = 30 * time.Minute
	// DefaultWithin is the target answer time when a Target's Within is zero.
	DefaultWithin = 20 * time.Second
	// DefaultFraction is the target fraction when a Target's Fraction is zero.
	DefaultFraction = 0.8
)

// Errors, recognisable with errors.Is. A call that returns one changes
// nothing.
var (
	// ErrBadConfig: a negative window.
	ErrBadConfig = errors.New("advice: bad config")
	// ErrBadTarget: an empty team ID, a negative Within, or a Fraction
	// that is not strictly between 0 and 1.
	ErrBadTarget = errors.New("advice: bad target")
)

// Target is a service-level goal: Fraction of calls answered within
// Within (0.8 and 20 s: 80 % within 20 s). A zero field takes the
// tracker's default.
type Target struct {
	Within   time.Duration `json:"within"`   // default 20 s
	Fraction float64       `json:"fraction"` // default 0.8
}

// Config configures a Tracker. The zero value is valid: a 30 min window
// and 80 % within 20 s for every team.
type Config struct {
	// Window is the sliding window for arrival rates and mean handle
	// times; 0 means DefaultWindow.
	Window time.Duration
	// Default is every team's target unless PerTeam names the team; its
	// zero fields take DefaultWithin and DefaultFraction.
	Default Target
	// PerTeam overrides Default for some teams; zero fields take Default's.
	PerTeam map[pb.TeamID]Target
}

// fill returns t with its zero fields taken from def.
func (t Target) fill(def Target) Target {
	if t.Within == 0 {
		t.Within = def.Within
	}
	if t.Fraction == 0 {
		t.Fraction = def.Fraction
	}
	return t
}

func (t Target) check() error {
	if t.Within < 0 {
		return fmt.Errorf("%w: within %v is negative", ErrBadTarget, t.Within)
	}
	if math.IsNaN(t.Fraction) || t.Fraction <= 0 || t.Fraction >= 1 {
		return fmt.Errorf("%w: fraction %v is not strictly between 0 and 1", ErrBadTarget, t.Fraction)
	}
	return nil
}
