package api

import (
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/client"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// The wire types live in the client package (package client), which hosts
// import without the server's dependencies; these are their API names.
// Enums are sent by name, as the library encodes them: channel "All",
// "Conversations" or "Phone"; status "Active" or "Away"; decline cause
// "button", "busy", "connectivity" or "went_away"; party "customer",
// "teammate" or "system".
type (
	AddTeammateRequest      = client.AddTeammateRequest
	AddTeamRequest          = client.AddTeamRequest
	Hours                   = client.Hours
	Opening                 = client.Opening
	OverrideRequest         = client.OverrideRequest
	ReassignRepliesRequest  = client.ReassignRepliesRequest
	OutboundRequest         = client.OutboundRequest
	CustomerAnsweredRequest = client.CustomerAnsweredRequest
	MemberRequest           = client.MemberRequest
	StatusRequest           = client.StatusRequest
	ChannelRequest          = client.ChannelRequest
	ClientRequest           = client.ClientRequest
	ArriveRequest           = client.ArriveRequest
	TeammateRequest         = client.TeammateRequest
	DeclineRequest          = client.DeclineRequest
	EndRequest              = client.EndRequest
	Teammate                = client.Teammate
	Team                    = client.Team
	TeamRequest             = client.TeamRequest
	Result                  = client.Result
	Effect                  = client.Effect
	Settings                = client.Settings
	Call                    = client.Call
	Explanation             = client.Explanation
	Timeline                = client.Timeline
	Dashboard               = client.Dashboard
	DashboardTeam           = client.DashboardTeam
	DashboardTeammate       = client.DashboardTeammate
)

// Page is one page of a list (client.Page).
type Page[T any] = client.Page[T]

func teammateOf(v assign.TeammateView) Teammate {
	p := v.Presence
	teams := v.Teams
	if teams == nil {
		teams = []pb.TeamID{}
	}
	return Teammate{
		ID: v.ID, Name: v.Name, Channel: p.Channel, Status: p.Status, Reason: p.Reason,
		ClientOpen: p.ClientOpen, Backgrounded: p.Backgrounded, ReassignReplies: p.ReassignReplies,
		WrapUpUntil: p.WrapUpUntil, LastAssigned: v.LastAssigned, Ringing: v.Ringing,
		Calls: v.Calls, Eligible: v.Eligible, Teams: teams,
	}
}

// EffectOf returns ef as the wire shows it.
func EffectOf(ef assign.Effect) Effect {
	return Effect{Kind: ef.Kind.String(), Call: ef.Call, Teammate: ef.Teammate, Team: ef.Team,
		Until: ef.Until, AutoAnswer: ef.AutoAnswer, Deflection: ef.Deflection}
}

func resultOf(rd assign.Ready) Result {
	out := Result{Events: httpedge.Events(rd.Events), Effects: make([]Effect, len(rd.Effects))}
	for i, ef := range rd.Effects {
		out.Effects[i] = EffectOf(ef)
	}
	return out
}

func dashboardOf(d metrics.Dashboard) Dashboard {
	out := Dashboard{Dashboard: d, TalkTimeMS: httpedge.Millis(d.TalkTime),
		Teams:     make(map[pb.TeamID]DashboardTeam, len(d.Teams)),
		Teammates: make(map[pb.TeammateID]DashboardTeammate, len(d.Teammates))}
	for id, t := range d.Teams {
		out.Teams[id] = DashboardTeam{TeamView: t, TalkTimeMS: httpedge.Millis(t.TalkTime)}
	}
	for id, m := range d.Teammates {
		out.Teammates[id] = DashboardTeammate{TeammateView: m, TalkTimeMS: httpedge.Millis(m.TalkTime)}
	}
	return out
}
