package inbox

import (
	"fmt"
	"sync"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/replica"
)

// State is what the inbox page shows of one teammate, sent on the stream
// whenever it changes and answered by GET /inbox/api/teammates/{id}.
type State struct {
	Teammate string `json:"teammate"`
	Name     string `json:"name,omitempty"`
	// Channel, Status and Reason are the presence (rules PR1, PR2); Reason
	// is "On a call" while on one (PR4) and "call wrap up" during wrap-up
	// (PR6).
	Channel         string `json:"channel"`
	Status          string `json:"status"`
	Reason          string `json:"reason,omitempty"`
	ReassignReplies bool   `json:"reassign_replies"`
	// WrapUpUntilMS is when wrap-up ends, in Unix milliseconds; 0 if not
	// wrapping up.
	WrapUpUntilMS int64 `json:"wrap_up_until_ms,omitempty"`
	// ClientOpen and Backgrounded are the phone client as the engine has
	// it (rule PR3): this teammate's tabs, by the rule of [tabs].
	ClientOpen   bool `json:"client_open"`
	Backgrounded bool `json:"backgrounded"`
	// Eligible reports whether a call could be offered now (rule AS2).
	Eligible bool `json:"eligible"`
	// Ringing is the call ringing for them, if any.
	Ringing *Ring `json:"ringing,omitempty"`
	// OnCall is the call they are on, if any.
	OnCall *OnCall `json:"on_call,omitempty"`
	// Figures are their own figures.
	Figures Figures `json:"figures"`
	// Audio reports that the server bridges a call's audio to the page
	// (POST .../calls/{call}/media with a WebRTC offer).
	Audio bool `json:"audio,omitempty"`
}

// Ring is a call ringing for the teammate.
type Ring struct {
	Call        string `json:"call"`
	Team        string `json:"team,omitempty"`
	RingUntilMS int64  `json:"ring_until_ms"`
	// AutoAnswer: the workspace answers assigned calls with no click
	// (rule AS8); the page answers at once and shows no Decline.
	AutoAnswer bool `json:"auto_answer"`
}

// OnCall is the call the teammate is on.
type OnCall struct {
	Call    string `json:"call"`
	Team    string `json:"team,omitempty"`
	Stage   string `json:"stage"`
	SinceMS int64  `json:"since_ms"`
}

// Figures are the teammate's own figures over the last 24 hours, from
// the metrics' report: the calls they answered (rule MT3) and their talk
// time (rule MT12), in the report's resolution, refreshed at most every
// Heartbeat.
type Figures struct {
	Answered   int   `json:"answered"`
	TalkTimeMS int64 `json:"talk_time_ms"`
}

// state reads teammate m's State from its workspace's engine, and its
// figures from the workspace's metrics at the runtime's clock. onCall is
// the call m was on at the last read, if any: while it still is, the
// read looks it up instead of scanning every call the engine holds.
func (s *Server) state(m mate, onCall string) (State, error) {
	id := m.id
	var st State
	var found bool
	_, err := m.ws.View(func(e *assign.Engine) {
		v, ok := e.Teammate(id)
		if !ok {
			return
		}
		found = true
		st = State{Teammate: string(id), Name: v.Name, Channel: v.Presence.Channel.String(),
			Status: v.Presence.Status.String(), Reason: v.Presence.Reason, ReassignReplies: v.Presence.ReassignReplies,
			ClientOpen: v.Presence.ClientOpen, Backgrounded: v.Presence.Backgrounded, Eligible: v.Eligible}
		if v.Presence.Status == presence.Away && !v.Presence.WrapUpUntil.IsZero() {
			st.WrapUpUntilMS = v.Presence.WrapUpUntil.UnixMilli()
		}
		if v.Ringing != "" {
			if c, ok := e.Call(v.Ringing); ok {
				st.Ringing = &Ring{Call: string(c.ID), Team: string(c.Team), RingUntilMS: c.RingUntil.UnixMilli(),
					AutoAnswer: e.Config().AutoAnswer}
			}
		}
		if v.Calls > 0 {
			st.OnCall = onCallOf(e, id, pb.CallID(onCall))
		}
	})
	if err != nil {
		return st, err
	}
	if !found {
		return st, fmt.Errorf("%w: %q", assign.ErrUnknownTeammate, id)
	}
	st.Audio = s.audible(m.ws)
	st.Figures = s.figures.of(m.ws.ID()).of(s, m, s.rt.Now())
	return st, nil
}

// onCallOf returns the call teammate id is on (one of them, if several):
// hint when it still is, else the first found among every call the
// engine holds. Call it under the engine's lock (View).
func onCallOf(e *assign.Engine, id pb.TeammateID, hint pb.CallID) *OnCall {
	mine := func(c assign.CallView) bool { return c.Agent == id && !c.Ended }
	c, ok := e.Call(hint)
	if !ok || !mine(c) {
		ok = false
		e.EachCall(func(v assign.CallView) bool {
			c, ok = v, mine(v)
			return !ok
		})
	}
	if !ok {
		return nil
	}
	return &OnCall{Call: string(c.ID), Team: string(c.Team), Stage: c.Stage.String(), SinceMS: c.AgentAssignedAt.UnixMilli()}
}

// figureCaches are the workspaces' figure caches, each made on first use.
type figureCaches struct {
	mu sync.Mutex
	m  map[replica.WorkspaceID]*figureCache
}

// of returns workspace ws's cache.
func (fc *figureCaches) of(ws replica.WorkspaceID) *figureCache {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.m == nil {
		fc.m = map[replica.WorkspaceID]*figureCache{}
	}
	c := fc.m[ws]
	if c == nil {
		c = &figureCache{}
		fc.m[ws] = c
	}
	return c
}

// figureCache holds every teammate's figures of one workspace from one
// metrics report, remade at most every Heartbeat: a report over 24 hours
// merges every minute's figures under the collector's lock, so the
// streams share one instead of each making its own. Figures lag by up to a Heartbeat.
type figureCache struct {
	mu   sync.Mutex
	at   time.Time
	figs map[pb.TeammateID]metrics.Figures
}

func (fc *figureCache) of(s *Server, m mate, now time.Time) Figures {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.figs == nil || now.Sub(fc.at) >= s.cfg.Heartbeat || now.Before(fc.at) {
		// A report ends at the start of the bucket its end falls in: end
		// it an hour on, so the current minute's bucket counts too.
		m.ws.WithCollector(func(c *metrics.Collector) {
			fc.figs = c.Report(now.Add(-24*time.Hour), now.Add(time.Hour)).Teammates
		})
		fc.at = now
	}
	f := fc.figs[m.id]
	return Figures{Answered: f.Completed, TalkTimeMS: f.TalkTime.Milliseconds()}
}
