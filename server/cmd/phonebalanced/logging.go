package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/phonebalance/phonebalance/server/httpedge"
)

// newLogger returns the server's logger writing to w: format "text"
// (logfmt-like key=value lines) or "json" (one JSON object per line, for a
// log shipper), at level "debug", "info", "warn" or "error" (per-ring
// lines are at debug, one access-log line per request at info; errors an
// operator must act on at warn and error). Records logged with a
// request's context carry its request_id (httpedge.WithRequestID).
// Anything else is an error naming the flag.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(httpedge.WithRequestID(slog.NewTextHandler(w, opts))), nil
	case "json":
		return slog.New(httpedge.WithRequestID(slog.NewJSONHandler(w, opts))), nil
	default:
		return nil, fmt.Errorf("-log-format %q: want text or json", format)
	}
}
