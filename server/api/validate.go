package api

import (
	"errors"
	"fmt"
	"github.com/phonebalance/phonebalance/client"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/schedule"
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

// The request bodies as the handlers decode them: the client package's
// wire types (wire.go), as local types that carry the checks.
type (
	addTeammateBody       client.AddTeammateRequest
	addTeamBody           client.AddTeamRequest
	overrideBody          client.OverrideRequest
	reassignRepliesBody   client.ReassignRepliesRequest
	outboundBody          client.OutboundRequest
	customerAnsweredBody  client.CustomerAnsweredRequest
	memberBody            client.MemberRequest
	statusBody            client.StatusRequest
	channelBody           client.ChannelRequest
	clientBody            client.ClientRequest
	arriveBody            client.ArriveRequest
	teammateBody          client.TeammateRequest
	declineBody           client.DeclineRequest
	endBody               client.EndRequest
	teamBody              client.TeamRequest
	hoursBody             client.Hours
	teamSettingsBody      client.TeamSettings
	workspaceSettingsBody client.WorkspaceSettingsRequest
)

// checkText is the edge's text check (httpedge.CheckText).
func checkText(field, v string, max int) error { return httpedge.CheckText(field, v, max) }

// checkID is the edge's ID check (httpedge.CheckID).
func checkID(field, v string) error { return httpedge.CheckID(field, v) }

// invalid wraps assign.ErrInvalidArgument: what the engine would refuse
// with the same error, refused here before it reaches the log.
func invalid(format string, args ...any) error {
	return httpedge.Errorf(assign.ErrInvalidArgument, format, args...)
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
func (req addTeammateBody) presence() presence.State {
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

func (req addTeammateBody) validate() error {
	if err := checkID("id", string(req.ID)); err != nil {
		return err
	}
	if err := checkText("name", req.Name, maxName); err != nil {
		return err
	}
	return checkPresence(req.presence())
}

func (req addTeamBody) validate() error { _, err := req.config(); return err }

func (req memberBody) validate() error { return checkID("teammate", string(req.Teammate)) }

func (req statusBody) validate() error { return checkStatus(req.Status, req.Reason) }

func (req channelBody) validate() error {
	if !req.Channel.Valid() {
		return invalid("channel %v", req.Channel)
	}
	return nil
}

func (req clientBody) validate() error {
	if req.Open == nil {
		return fmt.Errorf("%w: \"open\" is required", errBadRequest)
	}
	return nil
}

func (req arriveBody) validate() error {
	if err := checkID("id", string(req.ID)); err != nil {
		return err
	}
	if req.Team == "" {
		return nil
	}
	return checkID("team", string(req.Team))
}

func (req teammateBody) validate() error { return checkID("teammate", string(req.Teammate)) }

func (req outboundBody) validate() error {
	if err := checkID("id", string(req.ID)); err != nil {
		return err
	}
	return checkID("teammate", string(req.Teammate))
}

func (req reassignRepliesBody) validate() error {
	if req.On == nil {
		return fmt.Errorf("%w: \"on\" is required", errBadRequest)
	}
	return nil
}

func (customerAnsweredBody) validate() error { return nil }

func (req overrideBody) validate() error { _, err := req.override(); return err }

// override returns the request's override.
func (req overrideBody) override() (schedule.Override, error) {
	return parseOverride(req.Override, false)
}

// overrideNames are the overrides' wire names.
var overrideNames = map[string]schedule.Override{
	"follow_hours": schedule.FollowHours, "force_open": schedule.ForceOpen, "out_of_office": schedule.OutOfOffice}

// parseOverride decodes an override's wire name; with optional, "" is
// follow_hours.
func parseOverride(name string, optional bool) (schedule.Override, error) {
	if name == "" && optional {
		return schedule.FollowHours, nil
	}
	o, ok := overrideNames[name]
	if !ok {
		return 0, invalid("override %q: want follow_hours, force_open or out_of_office", name)
	}
	return o, nil
}

// overrideName is parseOverride's inverse.
func overrideName(o schedule.Override) string {
	for name, v := range overrideNames {
		if v == o {
			return name
		}
	}
	return o.String()
}

// hours decodes wire hours into the schedule's.
func (h hoursBody) hours() (schedule.Hours, error) {
	var out schedule.Hours
	var err error
	if out.Override, err = parseOverride(h.Override, true); err != nil {
		return out, err
	}
	if h.TimeZone != "" {
		if len(h.TimeZone) > maxName {
			return out, fmt.Errorf("%w: time_zone too long", assign.ErrInvalidConfig)
		}
		if out.Location, err = time.LoadLocation(h.TimeZone); err != nil {
			return out, fmt.Errorf("%w: time_zone %q: %v", assign.ErrInvalidConfig, h.TimeZone, err)
		}
	}
	if len(h.Weekly) > maxOpenings {
		return out, fmt.Errorf("%w: more than %d weekly openings", assign.ErrInvalidConfig, maxOpenings)
	}
	for _, o := range h.Weekly {
		iv, err := interval(o)
		if err != nil {
			return out, err
		}
		out.Weekly = append(out.Weekly, iv)
	}
	if err := out.Validate(); err != nil {
		return out, fmt.Errorf("%w: %w", assign.ErrInvalidConfig, err)
	}
	return out, nil
}

// maxOpenings bounds a schedule's weekly openings.
const maxOpenings = 7 * 8

var weekdays = map[string]time.Weekday{"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday,
	"wednesday": time.Wednesday, "thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday}

func interval(o Opening) (schedule.Interval, error) {
	day, ok := weekdays[o.Day]
	if !ok {
		return schedule.Interval{}, fmt.Errorf("%w: day %q", assign.ErrInvalidConfig, o.Day)
	}
	start, err1 := clockTime(o.Start)
	end, err2 := clockTime(o.End)
	if err := errors.Join(err1, err2); err != nil {
		return schedule.Interval{}, err
	}
	return schedule.Interval{Day: day, Start: start, End: end}, nil
}

// clockTime decodes "HH:MM" (00:00 to 24:00) as a duration since midnight.
func clockTime(s string) (time.Duration, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%w: time of day %q: want HH:MM", assign.ErrInvalidConfig, s)
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%w: time of day %q: want HH:MM", assign.ErrInvalidConfig, s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// hoursOf encodes schedule hours for the wire.
func hoursOf(h schedule.Hours) Hours {
	out := Hours{Override: overrideName(h.Override), Weekly: []Opening{}}
	if h.Location != nil && h.Location != time.UTC {
		out.TimeZone = h.Location.String()
	}
	hhmm := func(d time.Duration) string {
		return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	for _, iv := range h.Weekly {
		out.Weekly = append(out.Weekly, Opening{Day: strings.ToLower(iv.Day.String()), Start: hhmm(iv.Start), End: hhmm(iv.End)})
	}
	return out
}

func (req declineBody) validate() error {
	if err := checkID("teammate", string(req.Teammate)); err != nil {
		return err
	}
	if !req.Cause.Valid() {
		return invalid("decline cause %v", req.Cause)
	}
	return nil
}

func (req teamBody) validate() error { return checkID("team", string(req.Team)) }

func (req endBody) validate() error {
	if !req.By.Valid() {
		return invalid("party %v", req.By)
	}
	return nil
}

// config range-checks the request and returns the team's config.
func (req addTeamBody) config() (assign.TeamConfig, error) {
	if err := checkID("id", string(req.ID)); err != nil {
		return assign.TeamConfig{}, err
	}
	if err := checkText("name", req.Name, maxName); err != nil {
		return assign.TeamConfig{}, err
	}
	return teamConfig(req.MaxQueue, req.MaxWaitMS, req.DeflectWhenNobodyOnline, req.Hours)
}

func (req teamSettingsBody) validate() error { _, err := req.config(); return err }

// config range-checks the request and returns the team's new config.
func (req teamSettingsBody) config() (assign.TeamConfig, error) {
	return teamConfig(req.MaxQueue, req.MaxWaitMS, req.DeflectWhenNobodyOnline, &req.Hours)
}

// teamConfig range-checks a team's settings from the wire (POST /teams,
// PUT /teams/{team}/settings) and returns them as the engine's.
func teamConfig(maxQueue int, maxWaitMS int64, deflect bool, hours *Hours) (assign.TeamConfig, error) {
	cfg := assign.TeamConfig{MaxQueue: maxQueue, DeflectWhenNobodyOnline: deflect}
	if maxQueue < 0 || maxQueue > MaxQueueLimit {
		return cfg, fmt.Errorf("%w: max_queue %d is outside 0..%d", assign.ErrInvalidConfig, maxQueue, MaxQueueLimit)
	}
	if maxWaitMS != 0 {
		d := httpedge.FromMillis(maxWaitMS)
		if d < MinMaxWait || d > MaxMaxWait {
			return cfg, fmt.Errorf("%w: max_wait_ms %d is outside %d..%d", assign.ErrInvalidConfig,
				maxWaitMS, httpedge.Millis(MinMaxWait), httpedge.Millis(MaxMaxWait))
		}
		cfg.MaxWait = d
	}
	if hours != nil {
		h, err := hoursBody(*hours).hours()
		if err != nil {
			return cfg, err
		}
		cfg.Hours = h
	}
	return cfg, cfg.Validate()
}

func (req workspaceSettingsBody) validate() error { _, err := hoursBody(req.Hours).hours(); return err }

// config returns base with the settings the request changes.
func (req workspaceSettingsBody) config(base assign.Config) assign.Config {
	base.AutoAnswer, base.ShowTeamComposition = req.AutoAnswer, req.ShowTeamComposition
	base.Hours, _ = hoursBody(req.Hours).hours() // validated by read
	return base
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
