package assign

import (
	"fmt"
	"time"

	"github.com/phonebalance/phonebalance/schedule"
)

// Bounds on config durations. A ring shorter than a second would make a
// host's timer spin; periods longer than 30 days serve no product purpose
// and, summed with the latest command time, would leave the range every
// time encodes in.
const (
	// MinRingTimeout and MaxRingTimeout bound Config.RingTimeout.
	MinRingTimeout = time.Second
	MaxRingTimeout = time.Hour
	// MaxPeriod bounds Config.ExclusionPeriod, Config.WrapUp,
	// Config.EndedCallRetention and TeamConfig.MaxWait.
	MaxPeriod = 30 * 24 * time.Hour
)

// Config is a workspace's phone settings. Build one with [DefaultConfig]
// and change what differs; [New] validates it.
type Config struct {
	// RingTimeout is how long an offered call rings before it is a miss
	// (rule AS5). Default 30 s; from MinRingTimeout (1 s) to
	// MaxRingTimeout (1 h).
	RingTimeout time.Duration
	// ExclusionPeriod is how long a teammate who missed or declined a call
	// is not offered that call again (rule AS7). Default 5 min; zero means
	// no exclusion; at most MaxPeriod (30 days).
	ExclusionPeriod time.Duration
	// CallLimit is how many phone calls a teammate can hold at once; a
	// ringing call counts, and nobody rings with two calls (rule AS4). When
	// a teammate's calls reach the limit their status becomes Away "On a
	// call" (rule PR4). Default 1, the product's value. Above 1, a call
	// ending below the limit with another still live makes the teammate
	// Active again at once, with no wrap-up; wrap-up follows only a call
	// that ends while they are Away "On a call", that is at the limit.
	CallLimit int
	// WrapUp is the wrap-up time after a teammate's phone call ends
	// (rule PR6); zero means none. The product leaves it to the workspace's
	// phone settings; the default is zero. At most MaxPeriod (30 days).
	WrapUp time.Duration
	// AutoAnswer answers assigned calls with no teammate action and removes
	// the Decline button (rule AS8). Default off.
	AutoAnswer bool
	// TestWorkspace marks a TEST workspace, where balanced assignment does
	// not work: queueing a call fails with ErrTestWorkspace (rule AS9).
	TestWorkspace bool
	// ShowTeamComposition logs the three team composition entries at every
	// assignment (rule EL3). Default off, as in the product.
	ShowTeamComposition bool
	// Hours are the workspace's operating hours; outside them, or while the
	// workspace is set out of office, calls are deflected (rule DF3). The
	// zero value is always open.
	Hours schedule.Hours
	// EndedCallRetention is how long an ended call's ID is remembered, so a
	// late assignment is logged as abandoned (rule AS11) and the ID is not
	// reused. Default 10 min; zero forgets at once; at most MaxPeriod
	// (30 days).
	EndedCallRetention time.Duration
}

// DefaultConfig returns the product's defaults.
func DefaultConfig() Config {
	return Config{
		RingTimeout:        30 * time.Second,
		ExclusionPeriod:    5 * time.Minute,
		CallLimit:          1,
		EndedCallRetention: 10 * time.Minute,
	}
}

// Validate reports the first invalid field, wrapping ErrInvalidConfig.
func (c Config) Validate() error {
	switch {
	case c.RingTimeout < MinRingTimeout || c.RingTimeout > MaxRingTimeout:
		return fmt.Errorf("%w: RingTimeout %v must be from %v to %v", ErrInvalidConfig, c.RingTimeout,
			MinRingTimeout, MaxRingTimeout)
	case c.CallLimit < 1:
		return fmt.Errorf("%w: CallLimit %d must be at least 1", ErrInvalidConfig, c.CallLimit)
	}
	if err := checkPeriod("ExclusionPeriod", c.ExclusionPeriod); err != nil {
		return err
	}
	if err := checkPeriod("WrapUp", c.WrapUp); err != nil {
		return err
	}
	if err := checkPeriod("EndedCallRetention", c.EndedCallRetention); err != nil {
		return err
	}
	if err := c.Hours.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return nil
}

// TeamConfig is one team's phone settings. The zero value is valid: no
// queue limit, no hold limit, always open, and deflection when nobody is
// online turned off.
type TeamConfig struct {
	// MaxQueue is the most calls the team's queue holds, ringing ones
	// included; a call arriving at a full queue is deflected (rule DF1).
	// Zero means no limit.
	MaxQueue int
	// MaxWait is the longest a customer waits on hold in this team's queue
	// before the call is deflected (rule DF5). Zero means no limit; at most
	// MaxPeriod (30 days).
	MaxWait time.Duration
	// DeflectWhenNobodyOnline deflects a call arriving when no member is
	// online for phone: on a phone channel with an active client, and Active
	// or busy with a call or its wrap-up (rule DF2).
	DeflectWhenNobodyOnline bool
	// Hours are the team's operating hours and out-of-office override
	// (rule DF4). The zero value is always open.
	Hours schedule.Hours
}

// Validate reports the first invalid field, wrapping ErrInvalidConfig.
func (c TeamConfig) Validate() error {
	switch {
	case c.MaxQueue < 0:
		return fmt.Errorf("%w: MaxQueue %d must not be negative", ErrInvalidConfig, c.MaxQueue)
	}
	if err := checkPeriod("MaxWait", c.MaxWait); err != nil {
		return err
	}
	if err := c.Hours.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return nil
}

func checkPeriod(name string, d time.Duration) error {
	if d < 0 || d > MaxPeriod {
		return fmt.Errorf("%w: %s %v must be from 0 to %v", ErrInvalidConfig, name, d, MaxPeriod)
	}
	return nil
}
