package dashboard

import (
	"cmp"
	"slices"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/metrics"
)

// DefaultMaxCalls is the number of calls [Build] lists when Inputs.MaxCalls
// is zero.
const DefaultMaxCalls = 50

// Inputs is what [Build] reads.
type Inputs struct {
	// At is the instant the state describes.
	At time.Time
	// Engine is the workspace's engine. Build only reads it; the caller
	// holds whatever makes that safe (call Build inside replica's
	// Node.View, or assign.Live's View). Nil gives empty tables.
	Engine *assign.Engine
	// Live is the metrics fold's live view at At (metrics.Collector.Dashboard).
	Live metrics.Dashboard
	// Window is the windowed report for the cards and tables that count
	// finished calls (Completed, Abandoned, No answer, Call duration,
	// Answer time), for example metrics.Collector.Report(midnight, At).
	Window metrics.Report
	// Advice is the staffing advice, as the advice tracker returns it.
	Advice []TeamAdvice
	// MaxCalls bounds the call list; 0 means DefaultMaxCalls.
	MaxCalls int
}

// Build makes the dashboard's State from an engine, the metrics fold's live
// view and windowed report, and the staffing advice. Teams and teammates
// are the engine's; their counts are the fold's (zero for those it has not
// seen). It does not change its inputs and is safe to call wherever reading
// the engine is. Cost: one engine Snapshot plus sorting, O(teams +
// teammates + remembered calls); the hub calls its Source at most once per
// coalescing interval.
func Build(in Inputs) State {
	var snap assign.Snapshot
	if in.Engine != nil {
		snap = in.Engine.Snapshot()
	}
	teamNames := make(map[pb.TeamID]string, len(snap.Teams))
	for _, t := range snap.Teams {
		teamNames[t.ID] = t.Name
	}
	mateNames := make(map[pb.TeammateID]string, len(snap.Teammates))
	for _, m := range snap.Teammates {
		mateNames[m.ID] = m.Name
	}
	total := in.Window.Total
	st := State{
		At: in.At,
		Summary: Summary{
			InQueue:           in.Live.InQueue,
			Active:            in.Live.Active,
			Completed:         total.Completed,
			Abandoned:         total.Abandoned,
			NoAnswer:          total.NoAnswer,
			Voicemails:        in.Live.Voicemails,
			InVoicemail:       in.Live.InVoicemail,
			Callbacks:         in.Live.Callbacks,
			CallDurationS:     seconds(total.CallDuration().Mean()),
			AnswerTimeS:       seconds(total.AnswerTime.Mean()),
			AvailableForPhone: in.Live.AvailableForPhone,
			TalkTimeS:         seconds(in.Live.TalkTime),
		},
		Teams:     make([]TeamRow, 0, len(snap.Teams)),
		Teammates: make([]TeammateRow, 0, len(snap.Teammates)),
		Calls:     []CallRow{},
		Advice:    slices.Clone(in.Advice),
	}
	if st.Advice == nil {
		st.Advice = []TeamAdvice{}
	}
	for _, t := range snap.Teams {
		live, fig := in.Live.Teams[t.ID], in.Window.Teams[t.ID]
		st.Teams = append(st.Teams, TeamRow{
			ID: t.ID, Name: t.Name, Members: len(t.Members),
			InQueue: live.InQueue, Active: live.Active,
			Completed: fig.Completed, Abandoned: fig.Abandoned, NoAnswer: fig.NoAnswer,
			Voicemails: live.Voicemails, Callbacks: live.Callbacks,
			AnswerTimeS:       seconds(fig.AnswerTime.Mean()),
			AvailableForPhone: live.AvailableForPhone, TalkTimeS: seconds(live.TalkTime),
		})
	}
	slices.SortFunc(st.Teams, func(a, b TeamRow) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	for _, m := range snap.Teammates {
		row := TeammateRow{
			ID: m.ID, Name: m.Name, Teams: make([]string, 0, len(m.Teams)),
			Status: m.Presence.Status.String(), Reason: m.Presence.Reason,
			Channel: m.Presence.Channel.String(), Client: clientOf(m.Presence.ClientOpen, m.Presence.Backgrounded),
		}
		for _, id := range m.Teams {
			row.Teams = append(row.Teams, cmp.Or(teamNames[id], string(id)))
		}
		if v, ok := in.Engine.Teammate(m.ID); ok {
			row.Ringing, row.Calls = v.Ringing, v.Calls
		}
		live := in.Live.Teammates[m.ID]
		row.AvailableForPhone, row.TalkTimeS = live.AvailableForPhone, seconds(live.TalkTime)
		st.Teammates = append(st.Teammates, row)
	}
	slices.SortFunc(st.Teammates, func(a, b TeammateRow) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	calls := slices.Clone(snap.Calls)
	slices.SortFunc(calls, func(a, b assign.CallState) int {
		if a.Ended != b.Ended {
			if a.Ended {
				return 1
			}
			return -1
		}
		return cmp.Or(b.PlacedAt.Compare(a.PlacedAt), cmp.Compare(a.ID, b.ID))
	})
	limit := cmp.Or(in.MaxCalls, DefaultMaxCalls)
	for i, c := range calls {
		if i == limit {
			break
		}
		row := CallRow{
			ID: c.ID, Direction: c.Direction.String(), Stage: c.Stage.String(), Ended: c.Ended,
			TeamID: c.Team, AgentID: c.Agent, PlacedAt: c.PlacedAt,
		}
		if c.Team != "" {
			row.Team = cmp.Or(teamNames[c.Team], string(c.Team))
		}
		if c.Ringing != "" {
			row.Ringing = cmp.Or(mateNames[c.Ringing], string(c.Ringing))
		}
		if c.Agent != "" {
			row.Agent = cmp.Or(mateNames[c.Agent], string(c.Agent))
		}
		st.Calls = append(st.Calls, row)
	}
	return st
}

func clientOf(open, background bool) string {
	switch {
	case !open:
		return "closed"
	case background:
		return "background"
	}
	return "open"
}
