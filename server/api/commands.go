package api

import (
	"net/http"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
)

// The handlers that submit a command, one per engine command but Advance
// (the leader's clock drives it); paths are under WorkspacePrefix. Each
// reads and validates its body (validate.go) and its path IDs (onID)
// before anything is proposed; do then prechecks on the leader what the
// engine would refuse for a missing or duplicate name (precheck.go). Each
// answers with the command's Result: the events and effects it produced.

// POST /teammates
func (s *Server) addTeammate(w http.ResponseWriter, r *http.Request) {
	var req addTeammateBody
	if s.read(w, r, &req, false) {
		s.command(w, r, http.StatusCreated,
			assign.Command{Op: assign.OpAddTeammate, Teammate: req.ID, Name: req.Name, Presence: req.presence()})
	}
}

// DELETE /teammates/{id}
func (s *Server) removeTeammate(w http.ResponseWriter, r *http.Request, id pb.TeammateID) {
	s.command(w, r, http.StatusOK, assign.Command{Op: assign.OpRemoveTeammate, Teammate: id})
}

// PUT /teammates/{id}/status
func (s *Server) setStatus(w http.ResponseWriter, r *http.Request, id pb.TeammateID) {
	var req statusBody
	if s.read(w, r, &req, false) {
		s.command(w, r, http.StatusOK, assign.Command{Op: assign.OpSetStatus, Teammate: id, Status: req.Status, Reason: req.Reason})
	}
}

// PUT /teammates/{id}/channel
func (s *Server) setChannel(w http.ResponseWriter, r *http.Request, id pb.TeammateID) {
	var req channelBody
	if s.read(w, r, &req, false) {
		s.command(w, r, http.StatusOK, assign.Command{Op: assign.OpSetChannel, Teammate: id, Channel: req.Channel})
	}
}

// PUT /teammates/{id}/client
func (s *Server) setClient(w http.ResponseWriter, r *http.Request, id pb.TeammateID) {
	var req clientBody
	if s.read(w, r, &req, false) {
		s.command(w, r, http.StatusOK,
			assign.Command{Op: assign.OpSetClient, Teammate: id, Open: *req.Open, Background: req.Backgrounded})
	}
}

// PUT /teammates/{id}/reassign_replies: the teammate's "Reassign replies"
// setting (rule PR4).
func (s *Server) setReassignReplies(w http.ResponseWriter, r *http.Request, id pb.TeammateID) {
	var req reassignRepliesBody
	if s.read(w, r, &req, false) {
		s.command(w, r, http.StatusOK, assign.Command{Op: assign.OpSetReassignReplies, Teammate: id, On: *req.On})
	}
}

// POST /teammates/{id}/assignments: the host assigned the teammate a
// conversation (a chat, an email), the input of longest-idle order (rule
// AS3). No body.
func (s *Server) reportAssignment(w http.ResponseWriter, r *http.Request, id pb.TeammateID) {
	s.command(w, r, http.StatusOK, assign.Command{Op: assign.OpReportAssignment, Teammate: id})
}

// POST /teammates/{id}/messenger_calls: the teammate started a Messenger
// call (rule PR5). No body.
func (s *Server) startMessengerCall(w http.ResponseWriter, r *http.Request, id pb.TeammateID) {
	s.command(w, r, http.StatusOK, assign.Command{Op: assign.OpStartMessengerCall, Teammate: id})
}

// POST /teams
func (s *Server) addTeam(w http.ResponseWriter, r *http.Request) {
	var req addTeamBody
	if !s.read(w, r, &req, false) {
		return
	}
	cfg, _ := req.config() // validated by read
	s.command(w, r, http.StatusCreated, assign.Command{Op: assign.OpAddTeam, Team: req.ID, Name: req.Name, TeamConfig: cfg})
}

// POST /teams/{team}/members
func (s *Server) addMember(w http.ResponseWriter, r *http.Request, team pb.TeamID) {
	var req memberBody
	if s.read(w, r, &req, false) {
		s.command(w, r, http.StatusCreated, assign.Command{Op: assign.OpAddMember, Team: team, Teammate: req.Teammate})
	}
}

// DELETE /teams/{team}/members/{id}
func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, team pb.TeamID) {
	onID(s, "id", func(w http.ResponseWriter, r *http.Request, id pb.TeammateID) {
		s.command(w, r, http.StatusOK, assign.Command{Op: assign.OpRemoveMember, Team: team, Teammate: id})
	})(w, r)
}

// PUT /teams/{team}/override: the team's out-of-office override (rule
// DF4).
func (s *Server) setTeamOverride(w http.ResponseWriter, r *http.Request, team pb.TeamID) {
	var req overrideBody
	if s.read(w, r, &req, false) {
		o, _ := req.override() // validated by read
		s.command(w, r, http.StatusOK, assign.Command{Op: assign.OpSetTeamOverride, Team: team, Override: o})
	}
}

// PUT /teams/{team}/settings: replaces the team's settings, the override
// included (engine SetTeamConfig: the limits apply to calls arriving from
// now on, a new max wait also to those already waiting; rules DF1, DF2,
// DF4, DF5).
func (s *Server) setTeamSettings(w http.ResponseWriter, r *http.Request, team pb.TeamID) {
	var req teamSettingsBody
	if s.read(w, r, &req, false) {
		cfg, _ := req.config() // validated by read
		s.command(w, r, http.StatusOK, assign.Command{Op: assign.OpSetTeamConfig, Team: team, TeamConfig: cfg})
	}
}

// PUT /settings: replaces the workspace settings that can change
// (auto-answer, composition logging, operating hours; rules AS8, EL3,
// DF3). The others are fixed when the workspace is created, so the
// command carries them as this node's engine holds them (those it will be
// created with before the workspace's first command); the engine refuses
// the command if they differ from its own.
func (s *Server) setWorkspaceSettings(w http.ResponseWriter, r *http.Request) {
	var req workspaceSettingsBody
	if !s.read(w, r, &req, false) {
		return
	}
	base := workspaceOf(r).EngineConfig()
	s.command(w, r, http.StatusOK, assign.Command{Op: assign.OpSetWorkspaceConfig, Config: req.config(base)})
}

// PUT /settings/override: the workspace's out-of-office override (rule
// DF3).
func (s *Server) setWorkspaceOverride(w http.ResponseWriter, r *http.Request) {
	var req overrideBody
	if s.read(w, r, &req, false) {
		o, _ := req.override()
		s.command(w, r, http.StatusOK, assign.Command{Op: assign.OpSetWorkspaceOverride, Override: o})
	}
}

// POST /calls: an inbound call arrived; with a team it is queued at once
// (Arrive), without one it is placed and routing (PlaceCall) until
// POST /calls/{id}/queue names the team.
func (s *Server) arrive(w http.ResponseWriter, r *http.Request) {
	var req arriveBody
	if !s.read(w, r, &req, false) {
		return
	}
	cmd := assign.Command{Op: assign.OpArrive, Call: req.ID, Team: req.Team}
	if req.Team == "" {
		cmd.Op = assign.OpPlaceCall
	}
	s.command(w, r, http.StatusCreated, cmd)
}

// POST /calls/outbound: a teammate places an outbound call.
func (s *Server) placeOutbound(w http.ResponseWriter, r *http.Request) {
	var req outboundBody
	if s.read(w, r, &req, false) {
		s.command(w, r, http.StatusCreated, assign.Command{Op: assign.OpPlaceOutbound, Call: req.ID, Teammate: req.Teammate})
	}
}

// POST /calls/{id}/queue: a placed call is queued for a team.
func (s *Server) queue(w http.ResponseWriter, r *http.Request, id pb.CallID) {
	var req teamBody
	if s.read(w, r, &req, false) {
		s.command(w, r, http.StatusOK, assign.Command{Op: assign.OpQueueCall, Call: id, Team: req.Team})
	}
}

// teammateOnCall is the handler of a call command naming a teammate.
func (s *Server) teammateOnCall(op assign.Op) func(http.ResponseWriter, *http.Request, pb.CallID) {
	return func(w http.ResponseWriter, r *http.Request, id pb.CallID) {
		var req teammateBody
		if s.read(w, r, &req, false) {
			s.command(w, r, http.StatusOK, assign.Command{Op: op, Call: id, Teammate: req.Teammate})
		}
	}
}

// callOnly is the handler of a call command with no body.
func (s *Server) callOnly(op assign.Op) func(http.ResponseWriter, *http.Request, pb.CallID) {
	return func(w http.ResponseWriter, r *http.Request, id pb.CallID) {
		s.command(w, r, http.StatusOK, assign.Command{Op: op, Call: id})
	}
}

// POST /calls/{id}/decline
func (s *Server) decline(w http.ResponseWriter, r *http.Request, id pb.CallID) {
	var req declineBody
	if s.read(w, r, &req, false) {
		s.command(w, r, http.StatusOK, assign.Command{Op: assign.OpDecline, Call: id, Teammate: req.Teammate, Decline: req.Cause})
	}
}

// POST /calls/{id}/customer_answered: the customer answered an outbound
// call (or its voicemail did).
func (s *Server) customerAnswered(w http.ResponseWriter, r *http.Request, id pb.CallID) {
	var req customerAnsweredBody
	if s.read(w, r, &req, true) {
		s.command(w, r, http.StatusOK, assign.Command{Op: assign.OpCustomerAnswered, Call: id, Voicemail: req.Voicemail})
	}
}

// POST /calls/{id}/transfer
func (s *Server) transfer(w http.ResponseWriter, r *http.Request, id pb.CallID) {
	var req teamBody
	if s.read(w, r, &req, false) {
		s.command(w, r, http.StatusOK, assign.Command{Op: assign.OpTransfer, Call: id, Team: req.Team})
	}
}

// POST /calls/{id}/hangup: the customer hung up, at any stage. HangUp is
// EndCall by the customer.
func (s *Server) hangUp(w http.ResponseWriter, r *http.Request, id pb.CallID) {
	s.command(w, r, http.StatusOK, assign.Command{Op: assign.OpEndCall, Call: id, By: eventlog.ByCustomer})
}

// POST /calls/{id}/end: the teammate (or another party) ended the call.
func (s *Server) end(w http.ResponseWriter, r *http.Request, id pb.CallID) {
	req := endBody{By: eventlog.ByTeammate}
	if s.read(w, r, &req, true) {
		s.command(w, r, http.StatusOK, assign.Command{Op: assign.OpEndCall, Call: id, By: req.By})
	}
}
