package api

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// Limits on what the API accepts beyond the edge's table (httpedge's
// MaxIDBytes, MaxNameBytes, MaxReasonBytes, MaxJSONBody), checked before a
// command reaches the engine (and the replicated log).
const (
	// maxID and maxName are the edge's limits, by their API names.
	maxID   = httpedge.MaxIDBytes
	maxName = httpedge.MaxNameBytes
	// MaxQueueLimit is the largest max_queue a team may set.
	MaxQueueLimit = 10000
	// MinMaxWait is the shortest max_wait_ms a team may set (when set).
	MinMaxWait = time.Second
	// MaxMaxWait is the longest max_wait_ms a team may set.
	MaxMaxWait = 24 * time.Hour
)

// checkText is the edge's text check (httpedge.CheckText).
func checkText(field, v string, max int) error { return httpedge.CheckText(field, v, max) }

// checkID is the edge's ID check (httpedge.CheckID).
func checkID(field, v string) error { return httpedge.CheckID(field, v) }

// invalid wraps assign.ErrInvalidArgument: what the engine would refuse
// with the same error, refused here before it reaches the log.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", assign.ErrInvalidArgument, fmt.Sprintf(format, args...))
}

// checkPresence refuses what the engine's AddTeammate refuses in a
// presence, with the engine's error.
func checkPresence(st presence.State) error {
	if err := st.Validate(); err != nil {
		return fmt.Errorf("%w: %w", assign.ErrInvalidArgument, err)
	}
	return httpedge.CheckText("reason", st.Reason, httpedge.MaxReasonBytes)
}

// checkStatus refuses what the engine's SetStatus refuses, with its error.
func checkStatus(status presence.Status, reason string) error {
	switch {
	case !status.Valid():
		return invalid("status %v", status)
	case status == presence.Away && reason == "":
		return fmt.Errorf("%w: %w", assign.ErrInvalidArgument, presence.ErrMissingReason)
	case status == presence.Active && reason != "":
		return invalid("an Active status has no reason")
	}
	return httpedge.CheckText("reason", reason, httpedge.MaxReasonBytes)
}

// The request bodies' checks (see validator): the edge's limits, then
// the engine's own argument checks, with the engine's errors.

// presence is the teammate's presence the request asks for, with the
// defaults filled in: channel All, Active, client open.
func (req AddTeammateRequest) presence() presence.State {
	st := presence.State{Channel: req.Channel, Status: req.Status, Reason: req.Reason,
		ClientOpen: true, Backgrounded: req.Backgrounded}
	if st.Channel == 0 {
		st.Channel = presence.ChannelAll
	}
	if st.Status == 0 {
		st.Status = presence.Active
	}
	if req.ClientOpen != nil {
		st.ClientOpen = *req.ClientOpen
	}
	return st
}

func (req AddTeammateRequest) validate() error {
	if err := checkID("id", string(req.ID)); err != nil {
		return err
	}
	if err := checkText("name", req.Name, maxName); err != nil {
		return err
	}
	return checkPresence(req.presence())
}

func (req AddTeamRequest) validate() error { _, err := req.config(); return err }

func (req MemberRequest) validate() error { return checkID("teammate", string(req.Teammate)) }

func (req StatusRequest) validate() error { return checkStatus(req.Status, req.Reason) }

func (req ChannelRequest) validate() error {
	if !req.Channel.Valid() {
		return invalid("channel %v", req.Channel)
	}
	return nil
}

func (req ClientRequest) validate() error {
	if req.Open == nil {
		return fmt.Errorf("%w: \"open\" is required", errBadRequest)
	}
	return nil
}

func (req ArriveRequest) validate() error {
	if err := checkID("id", string(req.ID)); err != nil {
		return err
	}
	return checkID("team", string(req.Team))
}

func (req AnswerRequest) validate() error { return checkID("teammate", string(req.Teammate)) }

func (req DeclineRequest) validate() error {
	if err := checkID("teammate", string(req.Teammate)); err != nil {
		return err
	}
	if !req.Cause.Valid() {
		return invalid("decline cause %v", req.Cause)
	}
	return nil
}

func (req TransferRequest) validate() error { return checkID("team", string(req.Team)) }

func (req EndRequest) validate() error {
	if !req.By.Valid() {
		return invalid("party %v", req.By)
	}
	return nil
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
	if req.MaxWaitMS != 0 {
		d := httpedge.FromMillis(req.MaxWaitMS)
		if d < MinMaxWait || d > MaxMaxWait {
			return cfg, fmt.Errorf("%w: max_wait_ms %d is outside %d..%d", assign.ErrInvalidConfig,
				req.MaxWaitMS, httpedge.Millis(MinMaxWait), httpedge.Millis(MaxMaxWait))
		}
		cfg.MaxWait = d
	}
	return cfg, cfg.Validate()
}

// escapeLine makes one line of a text response safe to print: control
// characters (newlines among them) and invalid UTF-8 are shown as Go
// escapes, so a name can never start a line of its own.
func escapeLine(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, httpedge.BreaksLine) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case httpedge.BreaksLine(r):
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
