package replica

import (
	"bytes"
	"log/slog"
	"strings"

	"github.com/hashicorp/go-hclog"
)

// newHCLogger sends raft's warnings (at Debug: elections and lost
// contact are routine) and errors (at Warn) to the node's logger.
func newHCLogger(l *slog.Logger) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Name: "raft", Level: hclog.Warn, Output: slogWriter{l}})
}

// slogWriter logs each line hclog writes.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	for line := range bytes.Lines(p) {
		s := strings.TrimSpace(string(line))
		if s == "" {
			continue
		}
		if strings.Contains(s, "[ERROR]") {
			w.l.Warn(s)
		} else {
			w.l.Debug(s)
		}
	}
	return len(p), nil
}
