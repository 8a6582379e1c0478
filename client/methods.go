package client

import (
	"context"
	"net/url"
	"strconv"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// The typed methods, one per route of the host API (server/README.md).
// Each command answers the events and effects it produced (a [Result]).

// AddTeammate adds a teammate (POST …/teammates).
func (c *Client) AddTeammate(ctx context.Context, req AddTeammateRequest) (Result, error) {
	return c.result(ctx, "POST", c.ws("/teammates"), req)
}

// Teammate reads a teammate (GET …/teammates/{id}).
func (c *Client) Teammate(ctx context.Context, id pb.TeammateID) (Teammate, error) {
	var t Teammate
	return t, c.Do(ctx, "GET", c.ws("/teammates/%s", id), nil, &t)
}

// Teammates lists one page of teammates after the cursor (empty: from the
// start); limit 0 is the server's default.
func (c *Client) Teammates(ctx context.Context, after string, limit int) (Page[Teammate], error) {
	var p Page[Teammate]
	return p, c.Do(ctx, "GET", c.ws("/teammates")+pageQuery(nil, after, limit), nil, &p)
}

// RemoveTeammate removes a teammate (DELETE …/teammates/{id}).
func (c *Client) RemoveTeammate(ctx context.Context, id pb.TeammateID) (Result, error) {
	return c.result(ctx, "DELETE", c.ws("/teammates/%s", id), nil)
}

// SetStatus sets a teammate Active, or Away with a reason.
func (c *Client) SetStatus(ctx context.Context, id pb.TeammateID, req StatusRequest) (Result, error) {
	return c.result(ctx, "PUT", c.ws("/teammates/%s/status", id), req)
}

// SetChannel sets a teammate's channel availability.
func (c *Client) SetChannel(ctx context.Context, id pb.TeammateID, req ChannelRequest) (Result, error) {
	return c.result(ctx, "PUT", c.ws("/teammates/%s/channel", id), req)
}

// SetClient reports the teammate's phone client opened, closed or
// backgrounded.
func (c *Client) SetClient(ctx context.Context, id pb.TeammateID, open, backgrounded bool) (Result, error) {
	return c.result(ctx, "PUT", c.ws("/teammates/%s/client", id), ClientRequest{Open: &open, Backgrounded: backgrounded})
}

// SetReassignReplies sets the teammate's "Reassign replies" (rule PR4).
func (c *Client) SetReassignReplies(ctx context.Context, id pb.TeammateID, on bool) (Result, error) {
	return c.result(ctx, "PUT", c.ws("/teammates/%s/reassign_replies", id), ReassignRepliesRequest{On: &on})
}

// ReportAssignment reports that the host assigned the teammate a
// conversation (chat, email): longest-idle order counts it (rule AS3).
func (c *Client) ReportAssignment(ctx context.Context, id pb.TeammateID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/teammates/%s/assignments", id), nil)
}

// StartMessengerCall reports that the teammate started a Messenger call
// (rule PR5).
func (c *Client) StartMessengerCall(ctx context.Context, id pb.TeammateID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/teammates/%s/messenger_calls", id), nil)
}

// AddTeam adds a team (POST …/teams).
func (c *Client) AddTeam(ctx context.Context, req AddTeamRequest) (Result, error) {
	return c.result(ctx, "POST", c.ws("/teams"), req)
}

// Team reads a team (GET …/teams/{team}).
func (c *Client) Team(ctx context.Context, id pb.TeamID) (Team, error) {
	var t Team
	return t, c.Do(ctx, "GET", c.ws("/teams/%s", id), nil, &t)
}

// TeamSettings reads a team's settings (GET …/teams/{team}/settings).
func (c *Client) TeamSettings(ctx context.Context, id pb.TeamID) (TeamSettings, error) {
	var t TeamSettings
	return t, c.Do(ctx, "GET", c.ws("/teams/%s/settings", id), nil, &t)
}

// Teams lists one page of teams.
func (c *Client) Teams(ctx context.Context, after string, limit int) (Page[Team], error) {
	var p Page[Team]
	return p, c.Do(ctx, "GET", c.ws("/teams")+pageQuery(nil, after, limit), nil, &p)
}

// AddMember adds a teammate to a team.
func (c *Client) AddMember(ctx context.Context, team pb.TeamID, id pb.TeammateID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/teams/%s/members", team), MemberRequest{Teammate: id})
}

// RemoveMember removes a teammate from a team.
func (c *Client) RemoveMember(ctx context.Context, team pb.TeamID, id pb.TeammateID) (Result, error) {
	return c.result(ctx, "DELETE", c.ws("/teams/%s/members/%s", team, id), nil)
}

// SetTeamOverride sets a team's out-of-office override: "follow_hours",
// "force_open" or "out_of_office" (rule DF4).
func (c *Client) SetTeamOverride(ctx context.Context, team pb.TeamID, override string) (Result, error) {
	return c.result(ctx, "PUT", c.ws("/teams/%s/override", team), OverrideRequest{Override: override})
}

// SetTeamSettings replaces a team's settings (PUT …/teams/{team}/settings):
// the limits apply to calls arriving from now on, a new max wait also to
// the calls already waiting (rules DF1, DF2, DF4, DF5).
func (c *Client) SetTeamSettings(ctx context.Context, team pb.TeamID, s TeamSettings) (Result, error) {
	return c.result(ctx, "PUT", c.ws("/teams/%s/settings", team), s)
}

// Settings reads the workspace's settings.
func (c *Client) Settings(ctx context.Context) (Settings, error) {
	var s Settings
	return s, c.Do(ctx, "GET", c.ws("/settings"), nil, &s)
}

// SetWorkspaceSettings replaces the workspace settings that can change
// (PUT …/settings): auto-answer, composition logging and operating hours.
func (c *Client) SetWorkspaceSettings(ctx context.Context, s WorkspaceSettingsRequest) (Result, error) {
	return c.result(ctx, "PUT", c.ws("/settings"), s)
}

// SetWorkspaceOverride sets the workspace's out-of-office override (rule
// DF3).
func (c *Client) SetWorkspaceOverride(ctx context.Context, override string) (Result, error) {
	return c.result(ctx, "PUT", c.ws("/settings/override"), OverrideRequest{Override: override})
}

// Arrive reports an inbound call for a team; with team "" the call is
// placed and routing until [Client.Queue].
func (c *Client) Arrive(ctx context.Context, id pb.CallID, team pb.TeamID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls"), ArriveRequest{ID: id, Team: team})
}

// PlaceOutbound reports that a teammate places an outbound call.
func (c *Client) PlaceOutbound(ctx context.Context, id pb.CallID, teammate pb.TeammateID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/outbound"), OutboundRequest{ID: id, Teammate: teammate})
}

// Call reads a call (GET …/calls/{id}).
func (c *Client) Call(ctx context.Context, id pb.CallID) (Call, error) {
	var v Call
	return v, c.Do(ctx, "GET", c.ws("/calls/%s", id), nil, &v)
}

// Calls lists one page of calls, filtered by stage (0: any) and team
// ("": any).
func (c *Client) Calls(ctx context.Context, stage eventlog.Stage, team pb.TeamID, after string, limit int) (Page[Call], error) {
	q := url.Values{}
	if stage != 0 {
		q.Set("stage", stage.String())
	}
	if team != "" {
		q.Set("team", string(team))
	}
	var p Page[Call]
	return p, c.Do(ctx, "GET", c.ws("/calls")+pageQuery(q, after, limit), nil, &p)
}

// Queue queues a placed call for a team.
func (c *Client) Queue(ctx context.Context, id pb.CallID, team pb.TeamID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/%s/queue", id), TeamRequest{Team: team})
}

// Answer reports that the rung teammate answered.
func (c *Client) Answer(ctx context.Context, id pb.CallID, teammate pb.TeammateID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/%s/answer", id), TeammateRequest{Teammate: teammate})
}

// Decline reports that the rung teammate declined, or could not be rung
// (cause "connectivity").
func (c *Client) Decline(ctx context.Context, id pb.CallID, teammate pb.TeammateID, cause eventlog.DeclineCause) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/%s/decline", id), DeclineRequest{Teammate: teammate, Cause: cause})
}

// ManualAnswer reports that a member took the waiting call from the pool
// (rule AS10).
func (c *Client) ManualAnswer(ctx context.Context, id pb.CallID, teammate pb.TeammateID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/%s/manual_answer", id), TeammateRequest{Teammate: teammate})
}

// Barge reports that a teammate joined the connected call.
func (c *Client) Barge(ctx context.Context, id pb.CallID, teammate pb.TeammateID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/%s/barge", id), TeammateRequest{Teammate: teammate})
}

// Hold reports that the customer was put on hold.
func (c *Client) Hold(ctx context.Context, id pb.CallID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/%s/hold", id), nil)
}

// Resume reports that the customer was taken off hold.
func (c *Client) Resume(ctx context.Context, id pb.CallID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/%s/resume", id), nil)
}

// Transfer transfers the active call to a team's queue.
func (c *Client) Transfer(ctx context.Context, id pb.CallID, team pb.TeamID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/%s/transfer", id), TeamRequest{Team: team})
}

// Voicemail reports that the caller went to voicemail.
func (c *Client) Voicemail(ctx context.Context, id pb.CallID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/%s/voicemail", id), nil)
}

// RecordVoicemail reports that the caller left a voicemail.
func (c *Client) RecordVoicemail(ctx context.Context, id pb.CallID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/%s/voicemail/recorded", id), nil)
}

// RequestCallback reports that the caller asked to be called back; the
// call ends (rule LC5).
func (c *Client) RequestCallback(ctx context.Context, id pb.CallID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/%s/callback", id), nil)
}

// QueueCallback reports that the caller of a queued or ringing call asked
// to be called back and keeps their place: the call stays queued as a
// callback (the engine's QueueCallback, rule LC5).
func (c *Client) QueueCallback(ctx context.Context, id pb.CallID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/%s/callback/queued", id), nil)
}

// CallbackUnreached reports that calling the customer of a callback back
// did not reach them; the call ends (the engine's CallbackUnreached).
func (c *Client) CallbackUnreached(ctx context.Context, id pb.CallID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/%s/callback/unreached", id), nil)
}

// ForwardUnanswered reports that the unanswered call was forwarded.
func (c *Client) ForwardUnanswered(ctx context.Context, id pb.CallID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/%s/forward", id), nil)
}

// CustomerAnswered reports that the customer (or their voicemail) answered
// an outbound call.
func (c *Client) CustomerAnswered(ctx context.Context, id pb.CallID, voicemail bool) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/%s/customer_answered", id), CustomerAnsweredRequest{Voicemail: voicemail})
}

// HangUp reports that the customer hung up.
func (c *Client) HangUp(ctx context.Context, id pb.CallID) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/%s/hangup", id), nil)
}

// End reports that the call ended, by the party by.
func (c *Client) End(ctx context.Context, id pb.CallID, by eventlog.Party) (Result, error) {
	return c.result(ctx, "POST", c.ws("/calls/%s/end", id), EndRequest{By: by})
}

// Explain reads why each member is or is not offered the call.
func (c *Client) Explain(ctx context.Context, id pb.CallID) (Explanation, error) {
	var x Explanation
	return x, c.Do(ctx, "GET", c.ws("/calls/%s/explain", id), nil, &x)
}

// Timeline reads the call's events from the node's event log.
func (c *Client) Timeline(ctx context.Context, id pb.CallID) (Timeline, error) {
	var tl Timeline
	return tl, c.Do(ctx, "GET", c.ws("/calls/%s/timeline", id), nil, &tl)
}

// Dashboard reads the node's live metrics.
func (c *Client) Dashboard(ctx context.Context) (Dashboard, error) {
	var d Dashboard
	return d, c.Do(ctx, "GET", c.ws("/dashboard"), nil, &d)
}

// Cluster reads the node's view of the cluster.
func (c *Client) Cluster(ctx context.Context) (ClusterBody, error) {
	var b ClusterBody
	return b, c.Do(ctx, "GET", "/v1/cluster", nil, &b)
}

// Join adds a node as a voter.
func (c *Client) Join(ctx context.Context, req JoinRequest) (ClusterBody, error) {
	var b ClusterBody
	return b, c.Do(ctx, "POST", "/v1/cluster/join", req, &b)
}

// Remove removes a node from the cluster.
func (c *Client) Remove(ctx context.Context, id string) (ClusterBody, error) {
	var b ClusterBody
	return b, c.Do(ctx, "POST", "/v1/cluster/remove", RemoveRequest{ID: id}, &b)
}

// Health reads GET /healthz (no token needed).
func (c *Client) Health(ctx context.Context) (HealthBody, error) {
	var h HealthBody
	return h, c.Do(ctx, "GET", "/healthz", nil, &h)
}

func pageQuery(q url.Values, after string, limit int) string {
	if q == nil {
		q = url.Values{}
	}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// CreateWorkspace creates a workspace (POST /v1/workspaces, admin token)
// with settings (nil: the server's) and returns it with its host token,
// shown only now.
func (c *Client) CreateWorkspace(ctx context.Context, id string, settings *NewWorkspaceSettings) (Workspace, error) {
	var w Workspace
	return w, c.Do(ctx, "POST", "/v1/workspaces", WorkspaceRequest{ID: id, Settings: settings}, &w)
}

// Workspaces lists every workspace (GET /v1/workspaces, admin token).
func (c *Client) Workspaces(ctx context.Context) (WorkspaceList, error) {
	var l WorkspaceList
	return l, c.Do(ctx, "GET", "/v1/workspaces", nil, &l)
}

// RotateWorkspaceToken replaces a workspace's host token (POST
// /v1/workspaces/{ws}/token, admin token) and returns the new one, shown
// only now; the old one stops working.
func (c *Client) RotateWorkspaceToken(ctx context.Context, id string) (Workspace, error) {
	var w Workspace
	return w, c.Do(ctx, "POST", "/v1/workspaces/"+url.PathEscape(id)+"/token", nil, &w)
}
