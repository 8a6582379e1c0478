package sip

import (
	"context"
	"log/slog"
)

// logger is the gateway's slog.Logger with short helpers.
type logger struct{ l *slog.Logger }

func (l logger) warn(msg string, args ...any)  { l.l.Warn(msg, args...) }
func (l logger) info(msg string, args ...any)  { l.l.Info(msg, args...) }
func (l logger) debug(msg string, args ...any) { l.l.Debug(msg, args...) }

// quiet returns the logger for sipgo's own layers, which log routine
// network noise at Info and Error: only their warnings and errors at or
// above Warn pass, tagged as coming from the SIP stack.
func (l logger) quiet() *slog.Logger {
	return slog.New(minLevel{h: l.l.Handler(), min: slog.LevelWarn}).With("layer", "sipgo")
}

type minLevel struct {
	h   slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, lv slog.Level) bool {
	return lv >= m.min && m.h.Enabled(ctx, lv)
}
func (m minLevel) Handle(ctx context.Context, r slog.Record) error { return m.h.Handle(ctx, r) }
func (m minLevel) WithAttrs(a []slog.Attr) slog.Handler {
	return minLevel{h: m.h.WithAttrs(a), min: m.min}
}
func (m minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h: m.h.WithGroup(name), min: m.min}
}
