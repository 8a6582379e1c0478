package sim

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidConfig is wrapped by [Config.Validate] for a field out of range.
var ErrInvalidConfig = errors.New("sim: invalid config")

// Config describes one simulated day. Build it with [DefaultConfig] and
// change what differs; [Run] validates it. Durations are simulated time.
type Config struct {
	// Teammates is the number of teammates, all members of one team and
	// Active with an open phone client at the start.
	Teammates int
	// Rate is the mean number of inbound calls per hour (Poisson arrivals).
	Rate float64
	// Duration is how long calls keep arriving. The run then continues
	// until the last call has ended.
	Duration time.Duration
	// WarmUp excludes calls placed before it from every statistic, so a
	// steady-state estimate is not biased by the empty start. Zero counts
	// everything, which is what a day's report wants.
	WarmUp time.Duration
	// Seed seeds every random stream of the run.
	Seed uint64

	// HandleTime is the mean talk time of an answered call (exponential).
	HandleTime time.Duration
	// Patience is the mean time a customer waits for an answer before
	// hanging up (exponential), counted from placing the call. Zero means
	// customers never hang up.
	Patience time.Duration
	// Routing is the mean routing (IVR) time before the call reaches the
	// queue (exponential). Zero queues calls on arrival.
	Routing time.Duration

	// AnswerDelay is the mean time a teammate takes to answer or decline a
	// ringing phone (exponential). A drawn delay that reaches the ring
	// timeout is a miss.
	AnswerDelay time.Duration
	// PDecline is the probability that a teammate presses Decline on a ring.
	PDecline float64
	// PMiss is the probability that a teammate ignores a ring until it
	// times out.
	PMiss float64
	// AwayRate is the mean number of away spells per teammate per hour
	// (Poisson); zero means teammates never go away.
	AwayRate float64
	// AwayTime is the mean length of an away spell (exponential).
	AwayTime time.Duration

	// AutoAnswer turns on the engine's auto-answer: teammates answer at
	// once and never decline or miss.
	AutoAnswer bool
	// WrapUp is the engine's wrap-up time after each call.
	WrapUp time.Duration
	// RingTimeout is the engine's ring timeout.
	RingTimeout time.Duration
	// MaxQueue is the team's queue limit (0: none); more calls are deflected.
	MaxQueue int
	// MaxWait is the team's hold limit (0: none); longer waits are deflected.
	MaxWait time.Duration
	// DeflectWhenNobodyOnline deflects calls arriving while no teammate is
	// online for phone.
	DeflectWhenNobodyOnline bool

	// ServiceLevelTarget is the answer time within which a call counts
	// toward the service level.
	ServiceLevelTarget time.Duration
	// SampleEvery is the spacing of the time series (calls waiting, active
	// calls, teammates away); zero picks about 500 samples over the run.
	SampleEvery time.Duration
}

// DefaultConfig returns a mid-sized support team's working day: 60
// teammates, 600 calls an hour for 8 hours, 4-minute calls with 30 s of
// wrap-up, customers who wait 3 minutes on average, and teammates who take
// 6 s to pick up, decline 3% and miss 2% of rings, and take a 5-minute
// break about every two hours.
func DefaultConfig() Config {
	return Config{
		Teammates:               60,
		Rate:                    600,
		Duration:                8 * time.Hour,
		Seed:                    1,
		HandleTime:              4 * time.Minute,
		Patience:                3 * time.Minute,
		AnswerDelay:             6 * time.Second,
		PDecline:                0.03,
		PMiss:                   0.02,
		AwayRate:                0.5,
		AwayTime:                5 * time.Minute,
		WrapUp:                  30 * time.Second,
		RingTimeout:             30 * time.Second,
		MaxWait:                 10 * time.Minute,
		DeflectWhenNobodyOnline: true,
		ServiceLevelTarget:      20 * time.Second,
	}
}

// Validate reports the first field out of range, wrapping ErrInvalidConfig.
func (c Config) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, a...)...)
	}
	switch {
	case c.Teammates < 1:
		return bad("Teammates %d must be at least 1", c.Teammates)
	case !(c.Rate >= 0):
		return bad("Rate %v must not be negative", c.Rate)
	case c.Duration <= 0:
		return bad("Duration %v must be positive", c.Duration)
	case c.WarmUp < 0 || c.WarmUp >= c.Duration:
		return bad("WarmUp %v must be in [0, Duration)", c.WarmUp)
	case c.HandleTime <= 0:
		return bad("HandleTime %v must be positive", c.HandleTime)
	case c.Patience < 0, c.Routing < 0, c.AnswerDelay < 0, c.WrapUp < 0, c.MaxWait < 0:
		return bad("Patience, Routing, AnswerDelay, WrapUp and MaxWait must not be negative")
	case !(c.PDecline >= 0 && c.PMiss >= 0 && c.PDecline+c.PMiss <= 1):
		return bad("PDecline %v and PMiss %v must be probabilities summing to at most 1", c.PDecline, c.PMiss)
	case !(c.AwayRate >= 0):
		return bad("AwayRate %v must not be negative", c.AwayRate)
	case c.AwayRate > 0 && c.AwayTime <= 0:
		return bad("AwayTime %v must be positive when AwayRate is", c.AwayTime)
	case c.RingTimeout <= 0:
		return bad("RingTimeout %v must be positive", c.RingTimeout)
	case c.MaxQueue < 0:
		return bad("MaxQueue %d must not be negative", c.MaxQueue)
	case c.ServiceLevelTarget < 0, c.SampleEvery < 0:
		return bad("ServiceLevelTarget and SampleEvery must not be negative")
	}
	return nil
}
