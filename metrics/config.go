package metrics

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidConfig is returned by [New] for a configuration it cannot use.
var ErrInvalidConfig = errors.New("metrics: invalid config")

// Config sets how finely and for how long a [Collector] keeps windowed
// figures. Live counters do not depend on it.
type Config struct {
	// Resolution is the width of the time buckets that windowed figures are
	// summed in; report windows are rounded down to it. It must divide a
	// day evenly so that days start on a bucket. Default one minute.
	Resolution time.Duration
	// Retention is how long buckets and channel history are kept, counted
	// back from the latest event; older ones are dropped as time moves on.
	// Zero keeps everything (memory then grows with elapsed time, not with
	// the number of calls). Default 48 hours.
	Retention time.Duration
	// StaffingWindow is the sliding window of [Collector.Staffing]; zero
	// means DefaultStaffingWindow (30 minutes).
	StaffingWindow time.Duration
}

// DefaultConfig returns one-minute buckets kept for 48 hours.
func DefaultConfig() Config {
	return Config{Resolution: time.Minute, Retention: 48 * time.Hour}
}

// Validate reports whether c can be used.
func (c Config) Validate() error {
	if c.Resolution <= 0 || (24*time.Hour)%c.Resolution != 0 {
		return fmt.Errorf("%w: resolution %v must be positive and divide a day", ErrInvalidConfig, c.Resolution)
	}
	if c.StaffingWindow < 0 {
		return fmt.Errorf("%w: negative staffing window %v", ErrInvalidConfig, c.StaffingWindow)
	}
	if c.Retention < 0 {
		return fmt.Errorf("%w: negative retention %v", ErrInvalidConfig, c.Retention)
	}
	return nil
}
