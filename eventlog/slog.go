package eventlog

import (
	"context"
	"log/slog"
)

// Slog is a [Sink] that logs each event to a *slog.Logger: the message is
// [Event.Text] and the event's fields are attributes (seq, at, kind, then
// every field that is set, by its JSON name; enums by name). It is safe
// for concurrent use, as a *slog.Logger is.
type Slog struct {
	logger *slog.Logger
	level  slog.Level
}

// NewSlog returns a sink logging at level Info to l.
func NewSlog(l *slog.Logger) *Slog { return &Slog{logger: l, level: slog.LevelInfo} }

// WithLevel returns a copy of s that logs at level.
func (s *Slog) WithLevel(level slog.Level) *Slog {
	c := *s
	c.level = level
	return &c
}

// Write logs e. It never fails.
func (s *Slog) Write(e Event) error {
	ctx := context.Background()
	if !s.logger.Enabled(ctx, s.level) {
		return nil
	}
	s.logger.LogAttrs(ctx, s.level, e.Text(), e.Attrs()...)
	return nil
}

// Attrs returns the event's fields as slog attributes, as [Slog] logs
// them: seq, at and kind always, then each field that is set.
func (e Event) Attrs() []slog.Attr {
	a := make([]slog.Attr, 0, 8)
	a = append(a,
		slog.Uint64("seq", e.Seq),
		slog.Time("at", e.At),
		slog.String("kind", e.Kind.String()))
	str := func(key, v string) {
		if v != "" {
			a = append(a, slog.String(key, v))
		}
	}
	num := func(key string, v int) {
		if v != 0 {
			a = append(a, slog.Int(key, v))
		}
	}
	str("call", string(e.Call))
	if e.Direction != 0 {
		str("direction", e.Direction.String())
	}
	str("team", string(e.Team))
	str("team_name", e.TeamName)
	num("segment", e.Segment)
	str("teammate", string(e.Teammate))
	str("teammate_name", e.TeammateName)
	if !e.Deadline.IsZero() {
		a = append(a, slog.Time("deadline", e.Deadline))
	}
	if e.Decline != 0 {
		str("decline", e.Decline.String())
	}
	if e.Deflection != 0 {
		str("deflection", e.Deflection.String())
	}
	num("queue_limit", e.QueueLimit)
	if e.HoldLimit != 0 {
		a = append(a, slog.Duration("hold_limit", e.HoldLimit))
	}
	if e.Stage != 0 {
		str("stage", e.Stage.String())
	}
	if e.By != 0 {
		str("by", e.By.String())
	}
	if e.Voicemail {
		a = append(a, slog.Bool("voicemail", true))
	}
	if e.KeepsPlace {
		a = append(a, slog.Bool("keeps_place", true))
	}
	num("count", e.Count)
	if e.Channel != 0 {
		str("channel", e.Channel.String())
	}
	if e.Status != 0 {
		str("status", e.Status.String())
	}
	str("reason", e.Reason)
	if e.ClientActive {
		a = append(a, slog.Bool("client_active", true))
	}
	return a
}
