package dashboard

import (
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// State is everything the page shows at one instant, as plain data that
// encodes to JSON. A [Source] returns it; [Build] makes one from an engine
// and a metrics fold. The hub encodes each section (Summary, Teams,
// Teammates, Calls, Advice, Day) on its own and sends only the sections whose
// encoding changed.
type State struct {
	// At is the instant the state describes.
	At time.Time `json:"at"`
	// Summary holds the summary cards.
	Summary Summary `json:"summary"`
	// Teams is the team table, sorted by name then ID.
	Teams []TeamRow `json:"teams"`
	// Teammates is the teammate table, sorted by name then ID.
	Teammates []TeammateRow `json:"teammates"`
	// Calls lists the calls a supervisor can click for their timeline and
	// explanation: calls in progress first, then recently ended ones.
	Calls []CallRow `json:"calls"`
	// Advice is the staffing advice, one entry per team.
	Advice []TeamAdvice `json:"advice"`
	// Day is the day's charts per team ([NewSource] fills it; [Build]
	// leaves it empty).
	Day Day `json:"day"`
}

// Summary is the row of summary cards (rule MT15). The live counts come
// from metrics.Dashboard; Completed, Abandoned, NoAnswer, CallDuration and
// AnswerTime are windowed figures over the window the host chose (for
// example today so far).
type Summary struct {
	InQueue     int `json:"in_queue"`
	Active      int `json:"active"`
	Completed   int `json:"completed"`
	Abandoned   int `json:"abandoned"`
	NoAnswer    int `json:"no_answer"`
	Voicemails  int `json:"voicemails"`
	InVoicemail int `json:"in_voicemail"`
	Callbacks   int `json:"callbacks"`
	// CallbacksUnreached counts the callbacks whose dial-back did not
	// reach the customer (rule LC5).
	CallbacksUnreached int `json:"callbacks_unreached"`
	// CallDurationMS is the mean call duration in milliseconds (rule
	// MT7), 0 when no call ended in the window. Durations are integer
	// milliseconds in *_ms fields, as everywhere the server speaks
	// (httpedge.Millis).
	CallDurationMS int64 `json:"call_duration_ms"`
	// AnswerTimeMS is the mean answer time in milliseconds (rule MT8).
	AnswerTimeMS int64 `json:"answer_time_ms"`
	// AvailableForPhone counts teammates available for phone (rule MT9).
	AvailableForPhone int `json:"available_for_phone"`
	// TalkTimeMS is all teammates' talk time in milliseconds.
	TalkTimeMS int64 `json:"talk_time_ms"`
}

// TeamRow is one row of the team table.
type TeamRow struct {
	ID         pb.TeamID `json:"id"`
	Name       string    `json:"name"`
	Members    int       `json:"members"`
	InQueue    int       `json:"in_queue"`
	Active     int       `json:"active"`
	Completed  int       `json:"completed"`
	Abandoned  int       `json:"abandoned"`
	NoAnswer   int       `json:"no_answer"`
	Voicemails int       `json:"voicemails"`
	Callbacks  int       `json:"callbacks"`
	// CallbacksUnreached counts the team's callbacks that did not reach
	// the customer.
	CallbacksUnreached int   `json:"callbacks_unreached"`
	AnswerTimeMS       int64 `json:"answer_time_ms"`
	// QueueTimeMS is the mean time a call spent in the team's queue, each
	// queue segment ended in the window on its own (rule MT10), in
	// milliseconds; 0 without one.
	QueueTimeMS       int64 `json:"queue_time_ms"`
	AvailableForPhone int   `json:"available_for_phone"`
	TalkTimeMS        int64 `json:"talk_time_ms"`
}

// TeammateRow is one row of the teammate table.
type TeammateRow struct {
	ID   pb.TeammateID `json:"id"`
	Name string        `json:"name"`
	// Teams are the names of the teams they belong to.
	Teams []string `json:"teams"`
	// Status is "Active" or "Away"; Reason the away reason.
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Channel is "All", "Conversations" or "Phone" (rule PR1).
	Channel string `json:"channel"`
	// Client is "open", "background" or "closed" (rule PR3).
	Client string `json:"client"`
	// Ringing is the call ringing for them, if any.
	Ringing pb.CallID `json:"ringing,omitempty"`
	// Calls is the number of phone calls they are on.
	Calls int `json:"calls"`
	// AvailableForPhone: rule MT9.
	AvailableForPhone bool `json:"available_for_phone"`
	// TalkTimeMS is the "Teammate talk time" in milliseconds (rule MT12).
	TalkTimeMS int64 `json:"talk_time_ms"`
}

// CallRow is one call of the call list.
type CallRow struct {
	ID        pb.CallID     `json:"id"`
	Direction string        `json:"direction"`
	Stage     string        `json:"stage"`
	Ended     bool          `json:"ended,omitempty"`
	Team      string        `json:"team,omitempty"`
	Ringing   string        `json:"ringing,omitempty"`
	Agent     string        `json:"agent,omitempty"`
	PlacedAt  time.Time     `json:"placed_at"`
	TeamID    pb.TeamID     `json:"team_id,omitempty"`
	AgentID   pb.TeammateID `json:"agent_id,omitempty"`
}

// millis is the server's one duration encoding (httpedge.Millis).
func millis(d time.Duration) int64 { return httpedge.Millis(d) }
