package api

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/phonebalance/phonebalance/assign"
)

// Limits on what the API accepts, checked before a command reaches the
// engine (and the replicated log).
const (
	// maxID is the longest ID (teammate, team, call) in bytes.
	maxID = 128
	// maxName is the longest display name or away reason in bytes.
	maxName = 200
	// MaxQueueLimit is the largest max_queue a team may set.
	MaxQueueLimit = 10000
	// MinMaxWait is the shortest max_wait a team may set (when set).
	MinMaxWait = time.Second
	// MaxMaxWait is the longest max_wait a team may set.
	MaxMaxWait = 24 * time.Hour
)

// breaksLine reports whether r is a control character or a line or
// paragraph separator: what could start a new line in a text view.
func breaksLine(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp)
}

// checkText refuses text longer than max bytes, not UTF-8, or holding a
// control character (a newline would forge a line in a text timeline).
func checkText(field, v string, max int) error {
	if len(v) > max {
		return fmt.Errorf("%w: %s is longer than %d bytes", assign.ErrInvalidArgument, field, max)
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("%w: %s is not UTF-8", assign.ErrInvalidArgument, field)
	}
	if strings.IndexFunc(v, breaksLine) >= 0 {
		return fmt.Errorf("%w: %s has a control character", assign.ErrInvalidArgument, field)
	}
	return nil
}

// checkID is checkText for an ID, which must also be non-empty and free
// of '/' (IDs appear in URL paths).
func checkID(field, v string) error {
	if v == "" {
		return fmt.Errorf("%w: %s is empty", assign.ErrInvalidArgument, field)
	}
	if strings.ContainsAny(v, "/?#") {
		return fmt.Errorf("%w: %s has '/', '?' or '#'", assign.ErrInvalidArgument, field)
	}
	return checkText(field, v, maxID)
}

func (req AddTeammateRequest) validate() error {
	if err := checkID("id", string(req.ID)); err != nil {
		return err
	}
	if err := checkText("name", req.Name, maxName); err != nil {
		return err
	}
	return checkText("reason", req.Reason, maxName)
}

// config range-checks the request and returns the team's config.
func (req AddTeamRequest) config() (assign.TeamConfig, error) {
	cfg := assign.TeamConfig{MaxQueue: req.MaxQueue, DeflectWhenNobodyOnline: req.DeflectWhenNobodyOnline}
	if err := checkID("id", string(req.ID)); err != nil {
		return cfg, err
	}
	if err := checkText("name", req.Name, maxName); err != nil {
		return cfg, err
	}
	if req.MaxQueue < 0 || req.MaxQueue > MaxQueueLimit {
		return cfg, fmt.Errorf("%w: max_queue %d is outside 0..%d", assign.ErrInvalidConfig, req.MaxQueue, MaxQueueLimit)
	}
	if req.MaxWait != "" {
		d, err := time.ParseDuration(req.MaxWait)
		if err != nil {
			return cfg, fmt.Errorf("%w: max_wait: %w", errBadRequest, err)
		}
		if d < MinMaxWait || d > MaxMaxWait {
			return cfg, fmt.Errorf("%w: max_wait %s is outside %s..%s", assign.ErrInvalidConfig, d, MinMaxWait, MaxMaxWait)
		}
		cfg.MaxWait = d
	}
	return cfg, cfg.Validate()
}

// escapeLine makes one line of a text response safe to print: control
// characters (newlines among them) and invalid UTF-8 are shown as Go
// escapes, so a name can never start a line of its own.
func escapeLine(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, breaksLine) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case breaksLine(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// escapeLines applies escapeLine to every line of a multi-line text.
func escapeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = escapeLine(l)
	}
	return strings.Join(lines, "\n")
}
