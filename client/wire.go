// Package client is the Go client of phonebalanced's host API (/v1) and
// its wire types: the request and response bodies the server reads and
// writes. It imports only the standard library and the library's own
// packages (no raft, bbolt or Prometheus), so a host's binary stays small.
//
// A [Client] is safe for concurrent use. Every write carries an
// Idempotency-Key (one per call of a method, the same on each retry), and
// is retried with backoff when the cluster answers 503 not_leader,
// no_leader, busy or timeout, or the connection fails: the server makes
// the retry return the first outcome instead of acting again.
package client

import (
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/presence"
)

// The request bodies. Enums are sent by name, as the library encodes
// them: channel "All", "Conversations" or "Phone"; status "Active" or
// "Away"; decline cause "button", "busy", "connectivity" or "went_away";
// party "customer", "teammate" or "system".

// AddTeammateRequest is the body of POST /teammates.
type AddTeammateRequest struct {
	ID   pb.TeammateID `json:"id"`
	Name string        `json:"name"`
	// Channel defaults to "All".
	Channel presence.Channel `json:"channel,omitempty"`
	// Status defaults to "Active"; "Away" needs a Reason.
	Status presence.Status `json:"status,omitempty"`
	Reason string          `json:"reason,omitempty"`
	// ClientOpen reports whether the teammate's phone client is open;
	// it defaults to true.
	ClientOpen   *bool `json:"client_open,omitempty"`
	Backgrounded bool  `json:"backgrounded,omitempty"`
}

// AddTeamRequest is the body of POST /teams.
type AddTeamRequest struct {
	ID   pb.TeamID `json:"id"`
	Name string    `json:"name"`
	// MaxQueue is the most calls the queue holds; 0 means no limit.
	MaxQueue int `json:"max_queue,omitempty"`
	// MaxWaitMS is the longest a caller waits on hold, in milliseconds
	// (the server's one duration encoding); 0 means no limit.
	MaxWaitMS int64 `json:"max_wait_ms,omitempty"`
	// DeflectWhenNobodyOnline deflects calls arriving when no member is
	// online for phone.
	DeflectWhenNobodyOnline bool `json:"deflect_when_nobody_online,omitempty"`
	// Hours are the team's operating hours (rule DF4); absent means open
	// around the clock.
	Hours *Hours `json:"hours,omitempty"`
}

// Hours are operating hours on the wire: weekly openings as local times
// of day in a time zone, and the out-of-office override.
type Hours struct {
	// TimeZone is an IANA name ("Europe/Paris"); empty means UTC.
	TimeZone string `json:"time_zone,omitempty"`
	// Weekly lists the openings; empty means open around the clock.
	Weekly []Opening `json:"weekly,omitempty"`
	// Override is "follow_hours" (the default), "force_open" or
	// "out_of_office".
	Override string `json:"override,omitempty"`
}

// Opening is one weekly opening: Day ("monday".."sunday"), Start and End
// as "HH:MM" local times (End may be "24:00"; Start before End).
type Opening struct {
	Day   string `json:"day"`
	Start string `json:"start"`
	End   string `json:"end"`
}

// OverrideRequest is the body of PUT /teams/{team}/override and PUT
// /settings/override.
type OverrideRequest struct {
	// Override is "follow_hours", "force_open" or "out_of_office".
	Override string `json:"override"`
}

// WorkspaceSettingsRequest is the body of PUT /settings: the workspace
// settings that can change, all of them (an absent field is false, absent
// hours are open around the clock). The others (ring timeout, exclusion
// period, call limit, wrap-up, TEST workspace, ended-call retention) are
// fixed when the workspace is created.
type WorkspaceSettingsRequest struct {
	// AutoAnswer answers assigned calls with no teammate action (rule AS8).
	AutoAnswer bool `json:"auto_answer"`
	// ShowTeamComposition logs the team composition at every assignment
	// (rule EL3).
	ShowTeamComposition bool `json:"show_team_composition"`
	// Hours are the workspace's operating hours and override (rule DF3).
	Hours Hours `json:"hours"`
}

// ReassignRepliesRequest is the body of PUT
// /teammates/{id}/reassign_replies.
type ReassignRepliesRequest struct {
	// On is required.
	On *bool `json:"on"`
}

// OutboundRequest is the body of POST /calls/outbound.
type OutboundRequest struct {
	ID       pb.CallID     `json:"id"`
	Teammate pb.TeammateID `json:"teammate"`
}

// CustomerAnsweredRequest is the optional body of POST
// /calls/{id}/customer_answered.
type CustomerAnsweredRequest struct {
	// Voicemail reports that the customer's voicemail answered.
	Voicemail bool `json:"voicemail,omitempty"`
}

// MemberRequest is the body of POST /teams/{team}/members.
type MemberRequest struct {
	Teammate pb.TeammateID `json:"teammate"`
}

// StatusRequest is the body of PUT /teammates/{id}/status.
type StatusRequest struct {
	Status presence.Status `json:"status"`
	Reason string          `json:"reason,omitempty"`
}

// ChannelRequest is the body of PUT /teammates/{id}/channel.
type ChannelRequest struct {
	Channel presence.Channel `json:"channel"`
}

// ClientRequest is the body of PUT /teammates/{id}/client: the phone
// client opened, closed, backgrounded or brought to the foreground.
type ClientRequest struct {
	// Open is required.
	Open         *bool `json:"open"`
	Backgrounded bool  `json:"backgrounded,omitempty"`
}

// ArriveRequest is the body of POST /calls: an inbound call arrived, as a
// CPaaS provider's "incoming call" webhook reports it.
type ArriveRequest struct {
	// ID is the provider's call ID (a call SID, a SIP Call-ID).
	ID pb.CallID `json:"id"`
	// Team queues the call at once; without it the call is placed
	// (routing, an IVR) until POST /calls/{id}/queue.
	Team pb.TeamID `json:"team,omitempty"`
}

// TeammateRequest is the body of POST /calls/{id}/answer, manual_answer
// and barge: the teammate who answers or joins.
type TeammateRequest struct {
	Teammate pb.TeammateID `json:"teammate"`
}

// DeclineRequest is the body of POST /calls/{id}/decline.
type DeclineRequest struct {
	Teammate pb.TeammateID         `json:"teammate"`
	Cause    eventlog.DeclineCause `json:"cause"`
}

// EndRequest is the optional body of POST /calls/{id}/end.
type EndRequest struct {
	// By is who ended the call; it defaults to "teammate".
	By eventlog.Party `json:"by,omitempty"`
}

// Teammate is a teammate as the API shows it.
type Teammate struct {
	ID              pb.TeammateID    `json:"id"`
	Name            string           `json:"name"`
	Channel         presence.Channel `json:"channel"`
	Status          presence.Status  `json:"status"`
	Reason          string           `json:"reason,omitempty"`
	ClientOpen      bool             `json:"client_open"`
	Backgrounded    bool             `json:"backgrounded"`
	ReassignReplies bool             `json:"reassign_replies"`
	WrapUpUntil     time.Time        `json:"wrap_up_until,omitzero"`
	LastAssigned    time.Time        `json:"last_assigned,omitzero"`
	Ringing         pb.CallID        `json:"ringing,omitempty"`
	Calls           int              `json:"calls"`
	Eligible        bool             `json:"eligible"`
	Teams           []pb.TeamID      `json:"teams"`
}

// Team is a team as the API shows it.
type Team struct {
	ID pb.TeamID `json:"id"`
	// Away, NoActiveClient and Available are the team's composition now.
	Away           int `json:"away"`
	NoActiveClient int `json:"no_active_client"`
	Available      int `json:"available"`
	// InQueue counts its queued calls, ringing ones included.
	InQueue int `json:"in_queue"`
	// Waiting lists the queued calls not ringing anyone, oldest first.
	Waiting []pb.CallID `json:"waiting"`
	// OfferOrder lists the eligible members, longest idle first: the
	// order they would be rung in.
	OfferOrder []pb.TeammateID `json:"offer_order"`
}

// TeamRequest is the body of POST /calls/{id}/transfer and
// /calls/{id}/queue.
type TeamRequest struct {
	Team pb.TeamID `json:"team"`
}

// Result is the answer to every command: what it produced, in order, as
// the engine returned it (the events it logged and the effects the
// telephony carries out).
type Result struct {
	Events  []Event  `json:"events"`
	Effects []Effect `json:"effects"`
}

// Effect is one instruction to the telephony: kind "ring" (ring Teammate
// for Call until Until; auto_answer connects without teammate action),
// "stop_ringing", "deflect" (Call leaves Team's queue for Deflection) or
// "reassign_replies" (Teammate's replies go to others while on the phone).
type Effect struct {
	Kind       string              `json:"kind"`
	Call       pb.CallID           `json:"call,omitempty"`
	Teammate   pb.TeammateID       `json:"teammate,omitempty"`
	Team       pb.TeamID           `json:"team,omitempty"`
	Until      time.Time           `json:"until,omitzero"`
	AutoAnswer bool                `json:"auto_answer,omitempty"`
	Deflection eventlog.Deflection `json:"deflection,omitempty"`
}

// Settings is GET /settings: the workspace's engine settings, durations in
// milliseconds.
type Settings struct {
	RingTimeoutMS        int64 `json:"ring_timeout_ms"`
	ExclusionPeriodMS    int64 `json:"exclusion_period_ms"`
	CallLimit            int   `json:"call_limit"`
	WrapUpMS             int64 `json:"wrap_up_ms"`
	AutoAnswer           bool  `json:"auto_answer"`
	TestWorkspace        bool  `json:"test_workspace"`
	ShowTeamComposition  bool  `json:"show_team_composition"`
	EndedCallRetentionMS int64 `json:"ended_call_retention_ms"`
	Hours                Hours `json:"hours"`
}

// Call is GET /calls/{id}: the library's call view, which encodes to JSON
// as it is.
type Call = assign.CallView

// Explanation is GET /calls/{id}/explain: every member of the call's team
// in offer order, with why they are or are not being offered the call (the
// library's explanation, which encodes to JSON), and the whole of it as a
// support lead reads it.
type Explanation struct {
	assign.Explanation
	Text string `json:"text"`
}

// Timeline is GET /calls/{id}/timeline: the call's events in order, as
// the JSON lines log holds them, and as a support lead reads them.
type Timeline struct {
	Call   pb.CallID `json:"call"`
	Events []Event   `json:"events"`
	// Text has one line per event: its time of day and its wording.
	Text []string `json:"text"`
}

// Dashboard is GET /dashboard: the library's live view (metrics.Dashboard)
// with its durations in milliseconds (talk_time_ms), the server's one
// duration encoding. The TalkTime fields, never set, hide the library's
// nanoseconds (a field of the outer struct wins over the embedded one's of
// the same JSON name).
type Dashboard struct {
	metrics.Dashboard
	TalkTime   struct{}                            `json:"talk_time,omitzero"`
	TalkTimeMS int64                               `json:"talk_time_ms"`
	Teams      map[pb.TeamID]DashboardTeam         `json:"teams"`
	Teammates  map[pb.TeammateID]DashboardTeammate `json:"teammates"`
}

// DashboardTeam is one team's row of [Dashboard].
type DashboardTeam struct {
	metrics.TeamView
	TalkTime   struct{} `json:"talk_time,omitzero"`
	TalkTimeMS int64    `json:"talk_time_ms"`
}

// DashboardTeammate is one teammate's row of [Dashboard].
type DashboardTeammate struct {
	metrics.TeammateView
	TalkTime   struct{} `json:"talk_time,omitzero"`
	TalkTimeMS int64    `json:"talk_time_ms"`
}

// Event is one event as the server sends it: the library's event, with
// its hold limit in milliseconds (hold_limit_ms), the server's one
// duration encoding. HoldLimit, never set, hides the library's
// nanoseconds.
type Event struct {
	eventlog.Event
	HoldLimit   struct{} `json:"hold_limit,omitzero"`
	HoldLimitMS int64    `json:"hold_limit_ms,omitempty"`
}

// Page is one page of a list, in ID order. Next is the cursor of the next
// page (pass it as after), empty on the last page.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	// Code is a stable, machine-readable name for the kind of error.
	Code string `json:"code"`
	// Error is the message for a person, with the offending values.
	Error string `json:"error"`
}

// HealthBody is GET /healthz: whether the process serves and leads.
type HealthBody struct {
	Status string `json:"status"`
	Leader bool   `json:"leader"`
}

// ClusterBody is GET /v1/cluster: this node and the leader it knows.
type ClusterBody struct {
	// ID is this node's raft ID (its HTTP address in cluster mode).
	ID string `json:"id"`
	// RaftAddr is where peers reach this node's raft transport.
	RaftAddr string `json:"raft_addr"`
	// IsLeader reports whether this node leads now.
	IsLeader bool `json:"is_leader"`
	// LeaderID and LeaderRaftAddr name the leader; empty in an election.
	LeaderID       string `json:"leader_id"`
	LeaderRaftAddr string `json:"leader_raft_addr"`
	// AppliedIndex is the last raft log index applied here.
	AppliedIndex uint64 `json:"applied_index"`
	// Events is how many events this node's store holds.
	Events int `json:"events"`
	// Members is the latest configuration this node knows.
	Members []Member `json:"members"`
	// EventGaps are the ranges of raft entries whose events this node's
	// store lacks (a snapshot installed past what it had stored); empty
	// when its event history is complete.
	EventGaps []EventGap `json:"event_gaps"`
}

// EventGap is a range of raft log entries (After, Upto] whose events a
// node does not hold, and why.
type EventGap struct {
	After  uint64 `json:"after"`
	Upto   uint64 `json:"upto"`
	Reason string `json:"reason"`
}

// Member is one server of the cluster's configuration.
type Member struct {
	// ID is the member's raft ID, what POST /v1/cluster/remove takes.
	ID string `json:"id"`
	// RaftAddr is where its raft transport listens.
	RaftAddr string `json:"raft_addr"`
	// Voter is false for a non-voting member.
	Voter bool `json:"voter"`
}

// JoinRequest is the body of POST /v1/cluster/join: a node asks to be
// added as a voter.
type JoinRequest struct {
	// ID is the new node's raft ID: its HTTP address, by the server's
	// convention.
	ID string `json:"id"`
	// RaftAddr is where the leader reaches its raft transport.
	RaftAddr string `json:"raft_addr"`
}

// RemoveRequest is the body of POST /v1/cluster/remove.
type RemoveRequest struct {
	ID string `json:"id"`
}

// EventsPage is GET /events: a page of the workspace's events in Seq
// order. Next is the Seq to pass as after for the next page; zero on the
// last page.
type EventsPage struct {
	Events []Event `json:"events"`
	Next   uint64  `json:"next,omitempty"`
}

// TeamSettings is GET /teams/{team}/settings: a team's queue limits and
// operating hours, durations in milliseconds; it is also the body of PUT
// /teams/{team}/settings, which replaces them all (an absent field is no
// limit, off, or open around the clock).
type TeamSettings struct {
	MaxQueue                int   `json:"max_queue"`
	MaxWaitMS               int64 `json:"max_wait_ms"`
	DeflectWhenNobodyOnline bool  `json:"deflect_when_nobody_online"`
	Hours                   Hours `json:"hours"`
}

// WorkspaceRequest is the body of POST /v1/workspaces (admin token): the
// workspace to create.
type WorkspaceRequest struct {
	// ID is the new workspace's ID: 1 to 63 lower-case letters, digits
	// and inner hyphens (a DNS label).
	ID string `json:"id"`
	// Settings are the settings the workspace is created with; nil, or an
	// absent field, takes the server's (the -ring-timeout and other
	// flags). Ring timeout, exclusion period, call limit, wrap-up, TEST
	// workspace and ended-call retention are fixed from then on; the rest
	// changes with PUT /v1/workspaces/{ws}/settings.
	Settings *NewWorkspaceSettings `json:"settings,omitempty"`
}

// NewWorkspaceSettings are a new workspace's settings, each optional (see
// Settings for their meaning).
type NewWorkspaceSettings struct {
	RingTimeoutMS        *int64 `json:"ring_timeout_ms,omitempty"`
	ExclusionPeriodMS    *int64 `json:"exclusion_period_ms,omitempty"`
	CallLimit            *int   `json:"call_limit,omitempty"`
	WrapUpMS             *int64 `json:"wrap_up_ms,omitempty"`
	AutoAnswer           *bool  `json:"auto_answer,omitempty"`
	TestWorkspace        *bool  `json:"test_workspace,omitempty"`
	ShowTeamComposition  *bool  `json:"show_team_composition,omitempty"`
	EndedCallRetentionMS *int64 `json:"ended_call_retention_ms,omitempty"`
	Hours                *Hours `json:"hours,omitempty"`
}

// Workspace describes a workspace: GET /v1/workspaces/{ws}, an item of
// GET /v1/workspaces, and the answer of POST /v1/workspaces and POST
// /v1/workspaces/{ws}/token, which alone carry HostToken.
type Workspace struct {
	// ID is the workspace's ID.
	ID string `json:"id"`
	// Created is when it was created; zero for the server's default
	// workspace, which exists from the start.
	Created time.Time `json:"created,omitzero"`
	// HostToken is the workspace's new host token: shown once, when it
	// is made (the server keeps only its SHA-256). Bearer it to act on
	// /v1/workspaces/{ws}/....
	HostToken string `json:"host_token,omitempty"`
}

// WorkspaceList is GET /v1/workspaces: every workspace, the default one
// first, then by ID.
type WorkspaceList struct {
	Workspaces []Workspace `json:"workspaces"`
}
