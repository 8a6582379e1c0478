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
	// Tables is what the engine holds, as [Capture] read it; the zero
	// value gives empty tables.
	Tables Tables
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

// Tables is a copy of the engine's teams, teammates and calls, in no
// particular order, for [Build]. A Tables is reused from one capture to the
// next, so that once its slices have grown a capture allocates little; it
// is not safe for concurrent use.
type Tables struct {
	Teams     []assign.TeamView
	Teammates []assign.TeammateView
	Calls     []assign.CallView

	teamIDs []pb.TeamID // the teammates' Teams, back to back
	spans   []teamSpan  // where each teammate's Teams are in teamIDs
}

type teamSpan struct{ from, to int }

// Capture replaces tb's contents with what Build needs from the engine.
// The caller holds whatever makes reading the engine safe (replica's
// Node.View, or assign.Live's View), and Capture keeps that short: it
// copies views, O(teams + teammates + remembered calls), and leaves the
// sorting and formatting to Build, which runs after the lock is released.
// What a previous Build returned does not refer to tb, so tb may be
// refilled once that Build has returned. At 15,000 teammates a refill
// takes about 4 ms and allocates nothing once the slices have grown,
// where building the whole State under the lock took about 30 ms.
func (tb *Tables) Capture(e *assign.Engine) {
	tb.reset()
	e.EachTeam(func(v assign.TeamView) bool {
		tb.Teams = append(tb.Teams, v)
		return true
	})
	e.EachTeammate(func(v assign.TeammateView) bool {
		from := len(tb.teamIDs)
		tb.teamIDs = append(tb.teamIDs, v.Teams...)
		tb.spans = append(tb.spans, teamSpan{from, len(tb.teamIDs)})
		v.Teams = nil
		tb.Teammates = append(tb.Teammates, v)
		return true
	})
	for i, sp := range tb.spans { // teamIDs has stopped growing: slice it now
		if sp.to > sp.from {
			tb.Teammates[i].Teams = tb.teamIDs[sp.from:sp.to:sp.to]
		}
	}
	e.EachCall(func(v assign.CallView) bool {
		tb.Calls = append(tb.Calls, v)
		return true
	})
}

// reset empties tb, keeping its slices' room.
func (tb *Tables) reset() {
	clear(tb.Teammates) // drop the strings of the last capture
	clear(tb.Calls)
	tb.Teams, tb.Teammates, tb.Calls = tb.Teams[:0], tb.Teammates[:0], tb.Calls[:0]
	tb.teamIDs, tb.spans = tb.teamIDs[:0], tb.spans[:0]
}

// Capture returns a new Tables holding what Build needs from the engine;
// see [Tables.Capture].
func Capture(e *assign.Engine) Tables {
	var tb Tables
	tb.Capture(e)
	return tb
}

// Build makes the dashboard's State from the engine's tables, the metrics
// fold's live view and windowed report, and the staffing advice. Teams and
// teammates are the engine's; their counts are the fold's (zero for those
// it has not seen). It reads only its inputs, changes none of them, and
// needs no lock. Cost: sorting, O((teams + teammates + remembered calls)
// log of that).
func Build(in Inputs) State {
	tb := in.Tables
	teamNames := make(map[pb.TeamID]string, len(tb.Teams))
	for _, t := range tb.Teams {
		teamNames[t.ID] = t.Name
	}
	mateNames := make(map[pb.TeammateID]string, len(tb.Teammates))
	for _, m := range tb.Teammates {
		mateNames[m.ID] = m.Name
	}
	total := in.Window.Total
	st := State{
		At: in.At,
		Summary: Summary{
			InQueue:            in.Live.InQueue,
			Active:             in.Live.Active,
			Completed:          total.Completed,
			Abandoned:          total.Abandoned,
			NoAnswer:           total.NoAnswer,
			Voicemails:         in.Live.Voicemails,
			InVoicemail:        in.Live.InVoicemail,
			Callbacks:          in.Live.Callbacks,
			CallbacksUnreached: in.Live.CallbacksUnreached,
			CallDurationMS:     millis(total.CallDuration().Mean()),
			AnswerTimeMS:       millis(total.AnswerTime.Mean()),
			AvailableForPhone:  in.Live.AvailableForPhone,
			TalkTimeMS:         millis(in.Live.TalkTime),
		},
		Teams:     make([]TeamRow, 0, len(tb.Teams)),
		Teammates: make([]TeammateRow, 0, len(tb.Teammates)),
		Calls:     []CallRow{},
		Advice:    slices.Clone(in.Advice),
		Day:       Day{Teams: []TeamDay{}},
	}
	if st.Advice == nil {
		st.Advice = []TeamAdvice{}
	}
	for _, t := range tb.Teams {
		live, fig := in.Live.Teams[t.ID], in.Window.Teams[t.ID]
		st.Teams = append(st.Teams, TeamRow{
			ID: t.ID, Name: t.Name, Members: t.Members,
			InQueue: live.InQueue, Active: live.Active,
			Completed: fig.Completed, Abandoned: fig.Abandoned, NoAnswer: fig.NoAnswer,
			Voicemails: live.Voicemails, Callbacks: live.Callbacks, CallbacksUnreached: live.CallbacksUnreached,
			AnswerTimeMS:      millis(fig.AnswerTime.Mean()),
			QueueTimeMS:       millis(fig.QueueTime.Mean()),
			AvailableForPhone: live.AvailableForPhone, TalkTimeMS: millis(live.TalkTime),
		})
	}
	slices.SortFunc(st.Teams, func(a, b TeamRow) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	for _, m := range tb.Teammates {
		row := TeammateRow{
			ID: m.ID, Name: m.Name, Teams: make([]string, 0, len(m.Teams)),
			Status: m.Presence.Status.String(), Reason: m.Presence.Reason,
			Channel: m.Presence.Channel.String(), Client: clientOf(m.Presence.ClientOpen, m.Presence.Backgrounded),
			Ringing: m.Ringing, Calls: m.Calls,
		}
		for _, id := range m.Teams {
			row.Teams = append(row.Teams, cmp.Or(teamNames[id], string(id)))
		}
		live := in.Live.Teammates[m.ID]
		row.AvailableForPhone, row.TalkTimeMS = live.AvailableForPhone, millis(live.TalkTime)
		st.Teammates = append(st.Teammates, row)
	}
	slices.SortFunc(st.Teammates, func(a, b TeammateRow) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	calls := slices.Clone(tb.Calls)
	slices.SortFunc(calls, func(a, b assign.CallView) int {
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
