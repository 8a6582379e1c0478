package demo

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/benbjohnson/clock"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
)

// ErrInvalidConfig is wrapped by New for a Config that cannot work.
var ErrInvalidConfig = errors.New("demo: invalid config")

// Config describes the simulated contact center. Zero fields take the
// defaults of [DefaultConfig], except Seed (0 is a seed like any other),
// the probabilities and TeamConfig, for which New cannot tell 0 from
// unset: start from DefaultConfig and change what differs.
type Config struct {
	// Workspace is the workspace driven; default "default".
	Workspace replica.WorkspaceID
	// Team and TeamName name the one team the callers call; default
	// "support", "Support".
	Team     pb.TeamID
	TeamName string
	// TeamConfig is the team's engine config, used as given; DefaultConfig
	// holds up to 6 calls in the queue, so that a busy spell overflows to
	// voicemail. It only applies when the demo creates the team.
	TeamConfig assign.TeamConfig
	// Teammates is how many teammates answer (1 to 26); default 6.
	Teammates int
	// Rate is the mean number of calls an hour (Poisson arrivals);
	// default 360, a call every 10 s.
	Rate float64
	// TalkMin and TalkMax bound the talk time, drawn uniformly; default
	// 20 s and 90 s.
	TalkMin, TalkMax time.Duration
	// AnswerMin and AnswerMax bound how long a teammate lets the phone
	// ring before answering or declining, drawn uniformly; default 2 s
	// and 8 s. A delay past the ring's deadline is a miss.
	AnswerMin, AnswerMax time.Duration
	// PDecline and PMiss are the probabilities that a teammate declines a
	// ring or lets it time out; default 0.08 and 0.05.
	PDecline, PMiss float64
	// Patience is the callers' mean patience (exponential) before hanging
	// up unanswered; default 90 s; negative: callers never hang up.
	Patience time.Duration
	// AwayRate is each teammate's mean number of breaks an hour
	// (Poisson); default 4; negative: no breaks.
	AwayRate float64
	// AwayTime is a break's mean length (exponential); default 45 s.
	AwayTime time.Duration
	// Seed seeds every random draw.
	Seed uint64
	// Clock is the demo's clock; nil is the real clock. Use the same
	// clock as the replica.
	Clock clock.Clock
	// Logger receives the demo's notes (debug) and failures (warn); nil
	// discards them.
	Logger *slog.Logger
}

// DefaultConfig returns the defaults: six teammates in team "support" of
// workspace "default", a call every 10 s on average, 20–90 s calls,
// answers after 2–8 s, 8 % declines, 5 % misses, callers who wait 90 s on
// average, a queue of at most 6 calls (more go to voicemail), and four
// 45 s breaks an hour per teammate. About 5.5 teammates
// are busy on average: the queue comes and goes.
func DefaultConfig() Config {
	return Config{
		Workspace:  "default",
		Team:       "support",
		TeamName:   "Support",
		TeamConfig: assign.TeamConfig{MaxQueue: 6},
		Teammates:  6,
		Rate:       360,
		TalkMin:    20 * time.Second,
		TalkMax:    90 * time.Second,
		AnswerMin:  2 * time.Second,
		AnswerMax:  8 * time.Second,
		PDecline:   0.08,
		PMiss:      0.05,
		Patience:   90 * time.Second,
		AwayRate:   4,
		AwayTime:   45 * time.Second,
	}
}

// fill takes DefaultConfig's value for every zero field but the
// probabilities and Seed.
func (c Config) fill() Config {
	d := DefaultConfig()
	if c.Workspace == "" {
		c.Workspace = d.Workspace
	}
	if c.Team == "" {
		c.Team, c.TeamName = d.Team, d.TeamName
	}
	if c.TeamName == "" {
		c.TeamName = string(c.Team)
	}
	if c.Teammates == 0 {
		c.Teammates = d.Teammates
	}
	if c.Rate == 0 {
		c.Rate = d.Rate
	}
	if c.TalkMin == 0 && c.TalkMax == 0 {
		c.TalkMin, c.TalkMax = d.TalkMin, d.TalkMax
	}
	if c.AnswerMin == 0 && c.AnswerMax == 0 {
		c.AnswerMin, c.AnswerMax = d.AnswerMin, d.AnswerMax
	}
	if c.Patience == 0 {
		c.Patience = d.Patience
	}
	if c.AwayRate == 0 {
		c.AwayRate = d.AwayRate
	}
	if c.AwayTime == 0 {
		c.AwayTime = d.AwayTime
	}
	if c.Clock == nil {
		c.Clock = clock.New()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c Config) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
	}
	switch {
	case c.Teammates < 1 || c.Teammates > len(names):
		return bad("Teammates %d is not from 1 to %d", c.Teammates, len(names))
	case !(c.Rate > 0) || math.IsInf(c.Rate, 1):
		return bad("Rate %v is not a positive number", c.Rate)
	case c.TalkMin <= 0 || c.TalkMax < c.TalkMin:
		return bad("talk times %v to %v", c.TalkMin, c.TalkMax)
	case c.AnswerMin < 0 || c.AnswerMax < c.AnswerMin:
		return bad("answer delays %v to %v", c.AnswerMin, c.AnswerMax)
	case !(c.PDecline >= 0 && c.PMiss >= 0 && c.PDecline+c.PMiss <= 1):
		return bad("PDecline %v and PMiss %v must be probabilities adding up to at most 1", c.PDecline, c.PMiss)
	case math.IsNaN(c.AwayRate) || math.IsInf(c.AwayRate, 1):
		return bad("AwayRate %v", c.AwayRate)
	case c.TeamConfig.Validate() != nil:
		return bad("TeamConfig: %v", c.TeamConfig.Validate())
	case c.AwayTime < 0:
		return bad("AwayTime %v is negative", c.AwayTime)
	}
	return nil
}

// names are the teammates, in order.
var names = []string{"Ana", "Ben", "Chloe", "Dev", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jade",
	"Kofi", "Lena", "Mo", "Nia", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tess", "Uma", "Vic",
	"Wen", "Xavi", "Yara", "Zoe"}
