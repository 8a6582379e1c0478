package api

import (
	"net/http"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
)

// The handlers that submit a command. Each reads and validates its body
// (validate.go) and its path IDs (onID) before anything is proposed; do
// then prechecks on the leader what the engine would refuse for a missing
// or duplicate name (precheck.go).

// POST /teammates
func (s *Server) addTeammate(w http.ResponseWriter, r *http.Request) {
	var req AddTeammateRequest
	if s.read(w, r, &req, false) {
		s.teammateCommand(w, r, http.StatusCreated, req.ID,
			assign.Command{Op: assign.OpAddTeammate, Teammate: req.ID, Name: req.Name, Presence: req.presence()})
	}
}

// DELETE /teammates/{id}
func (s *Server) removeTeammate(w http.ResponseWriter, r *http.Request, id pb.TeammateID) {
	if s.do(w, r, assign.Command{Op: assign.OpRemoveTeammate, Teammate: id}) {
		w.WriteHeader(http.StatusNoContent)
	}
}

// PUT /teammates/{id}/status
func (s *Server) setStatus(w http.ResponseWriter, r *http.Request, id pb.TeammateID) {
	var req StatusRequest
	if s.read(w, r, &req, false) {
		s.teammateCommand(w, r, http.StatusOK, id,
			assign.Command{Op: assign.OpSetStatus, Teammate: id, Status: req.Status, Reason: req.Reason})
	}
}

// PUT /teammates/{id}/channel
func (s *Server) setChannel(w http.ResponseWriter, r *http.Request, id pb.TeammateID) {
	var req ChannelRequest
	if s.read(w, r, &req, false) {
		s.teammateCommand(w, r, http.StatusOK, id,
			assign.Command{Op: assign.OpSetChannel, Teammate: id, Channel: req.Channel})
	}
}

// PUT /teammates/{id}/client
func (s *Server) setClient(w http.ResponseWriter, r *http.Request, id pb.TeammateID) {
	var req ClientRequest
	if s.read(w, r, &req, false) {
		s.teammateCommand(w, r, http.StatusOK, id,
			assign.Command{Op: assign.OpSetClient, Teammate: id, Open: *req.Open, Background: req.Backgrounded})
	}
}

// POST /teams
func (s *Server) addTeam(w http.ResponseWriter, r *http.Request) {
	var req AddTeamRequest
	if !s.read(w, r, &req, false) {
		return
	}
	cfg, _ := req.config() // validated by read
	if !s.do(w, r, assign.Command{Op: assign.OpAddTeam, Team: req.ID, Name: req.Name, TeamConfig: cfg}) {
		return
	}
	var v Team
	s.view(func(e *assign.Engine) { v, _ = teamOf(e, req.ID) })
	writeJSON(w, http.StatusCreated, v)
}

// POST /teams/{team}/members
func (s *Server) addMember(w http.ResponseWriter, r *http.Request, team pb.TeamID) {
	var req MemberRequest
	if s.read(w, r, &req, false) {
		s.teammateCommand(w, r, http.StatusCreated, req.Teammate,
			assign.Command{Op: assign.OpAddMember, Team: team, Teammate: req.Teammate})
	}
}

// DELETE /teams/{team}/members/{id}
func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, team pb.TeamID) {
	onID(s, "id", func(w http.ResponseWriter, r *http.Request, id pb.TeammateID) {
		s.teammateCommand(w, r, http.StatusOK, id, assign.Command{Op: assign.OpRemoveMember, Team: team, Teammate: id})
	})(w, r)
}

// POST /calls
func (s *Server) arrive(w http.ResponseWriter, r *http.Request) {
	var req ArriveRequest
	if s.read(w, r, &req, false) {
		s.callCommand(w, r, http.StatusCreated, req.ID, assign.Command{Op: assign.OpArrive, Call: req.ID, Team: req.Team})
	}
}

// POST /calls/{id}/answer
func (s *Server) answer(w http.ResponseWriter, r *http.Request, id pb.CallID) {
	var req AnswerRequest
	if s.read(w, r, &req, false) {
		s.callCommand(w, r, http.StatusOK, id, assign.Command{Op: assign.OpAnswer, Call: id, Teammate: req.Teammate})
	}
}

// POST /calls/{id}/decline
func (s *Server) decline(w http.ResponseWriter, r *http.Request, id pb.CallID) {
	var req DeclineRequest
	if s.read(w, r, &req, false) {
		s.callCommand(w, r, http.StatusOK, id,
			assign.Command{Op: assign.OpDecline, Call: id, Teammate: req.Teammate, Decline: req.Cause})
	}
}

// POST /calls/{id}/hold
func (s *Server) hold(w http.ResponseWriter, r *http.Request, id pb.CallID) {
	s.callCommand(w, r, http.StatusOK, id, assign.Command{Op: assign.OpHold, Call: id})
}

// POST /calls/{id}/resume
func (s *Server) resume(w http.ResponseWriter, r *http.Request, id pb.CallID) {
	s.callCommand(w, r, http.StatusOK, id, assign.Command{Op: assign.OpResume, Call: id})
}

// POST /calls/{id}/transfer
func (s *Server) transfer(w http.ResponseWriter, r *http.Request, id pb.CallID) {
	var req TransferRequest
	if s.read(w, r, &req, false) {
		s.callCommand(w, r, http.StatusOK, id, assign.Command{Op: assign.OpTransfer, Call: id, Team: req.Team})
	}
}

// POST /calls/{id}/hangup: the customer hung up, at any stage. HangUp is
// EndCall by the customer.
func (s *Server) hangUp(w http.ResponseWriter, r *http.Request, id pb.CallID) {
	s.callCommand(w, r, http.StatusOK, id, assign.Command{Op: assign.OpEndCall, Call: id, By: eventlog.ByCustomer})
}

// POST /calls/{id}/end: the teammate (or another party) ended the call.
func (s *Server) end(w http.ResponseWriter, r *http.Request, id pb.CallID) {
	req := EndRequest{By: eventlog.ByTeammate}
	if s.read(w, r, &req, true) {
		s.callCommand(w, r, http.StatusOK, id, assign.Command{Op: assign.OpEndCall, Call: id, By: req.By})
	}
}
