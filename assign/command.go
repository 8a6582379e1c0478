package assign

import (
	"fmt"
	"strconv"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/schedule"
)

// Op names an engine command, for a [Command] value.
type Op uint8

// The commands, one per state-changing Engine method.
const (
	OpAdvance Op = iota + 1
	OpAddTeam
	OpSetTeamOverride
	OpSetWorkspaceOverride
	OpAddTeammate
	OpRemoveTeammate
	OpAddMember
	OpRemoveMember
	OpSetStatus
	OpSetChannel
	OpSetClient
	OpSetReassignReplies
	OpStartMessengerCall
	OpReportAssignment
	OpPlaceCall
	OpQueueCall
	OpArrive
	OpAnswer
	OpDecline
	OpManualAnswer
	OpHold
	OpResume
	OpTransfer
	OpBarge
	OpVoicemail
	OpRecordVoicemail
	OpRequestCallback
	OpForwardUnanswered
	OpEndCall
	OpPlaceOutbound
	OpCustomerAnswered
	OpSetTeamConfig
	OpSetWorkspaceConfig
	OpQueueCallback
	OpCallbackUnreached
	opEnd
)

var opNames = [...]string{"", "advance", "add_team", "set_team_override", "set_workspace_override",
	"add_teammate", "remove_teammate", "add_member", "remove_member", "set_status", "set_channel",
	"set_client", "set_reassign_replies", "start_messenger_call", "report_assignment", "place_call",
	"queue_call", "arrive", "answer", "decline", "manual_answer", "hold", "resume", "transfer", "barge",
	"voicemail", "record_voicemail", "request_callback", "forward_unanswered", "end_call",
	"place_outbound", "customer_answered", "set_team_config", "set_workspace_config", "queue_callback",
	"callback_unreached"}

// Ops returns every command in declaration order.
func Ops() []Op {
	out := make([]Op, 0, opEnd-1)
	for o := OpAdvance; o < opEnd; o++ {
		out = append(out, o)
	}
	return out
}

// String returns the op's snake_case name.
func (o Op) String() string {
	if o > 0 && o < opEnd {
		return opNames[o]
	}
	return "Op(" + strconv.Itoa(int(o)) + ")"
}

// MarshalText encodes the op by name.
func (o Op) MarshalText() ([]byte, error) {
	if o == 0 || o >= opEnd {
		return nil, fmt.Errorf("%w: op %d", ErrInvalidArgument, uint8(o))
	}
	return []byte(opNames[o]), nil
}

// UnmarshalText decodes an op name.
func (o *Op) UnmarshalText(b []byte) error {
	for i := OpAdvance; i < opEnd; i++ {
		if opNames[i] == string(b) {
			*o = i
			return nil
		}
	}
	return fmt.Errorf("%w: op %q", ErrInvalidArgument, b)
}

// Command is one engine command as a value: what a host records to
// rebuild an engine by replay, and what property and fuzz tests generate.
// Which fields matter depends on Op; [Engine.Apply] documents the mapping
// by calling the method of the same name.
type Command struct {
	Op         Op                    `json:"op"`
	At         time.Time             `json:"at"`
	Call       pb.CallID             `json:"call,omitempty"`
	Team       pb.TeamID             `json:"team,omitempty"`
	Teammate   pb.TeammateID         `json:"teammate,omitempty"`
	Name       string                `json:"name,omitempty"`
	Presence   presence.State        `json:"presence,omitzero"`
	Status     presence.Status       `json:"status,omitempty"`
	Reason     string                `json:"reason,omitempty"`
	Channel    presence.Channel      `json:"channel,omitempty"`
	Open       bool                  `json:"open,omitempty"`
	Background bool                  `json:"background,omitempty"`
	On         bool                  `json:"on,omitempty"`
	Decline    eventlog.DeclineCause `json:"decline,omitempty"`
	By         eventlog.Party        `json:"by,omitempty"`
	Voicemail  bool                  `json:"voicemail,omitempty"`
	TeamConfig TeamConfig            `json:"team_config,omitzero"`
	Config     Config                `json:"config,omitzero"`
	Override   schedule.Override     `json:"override,omitempty"`
}

// Apply runs one command: c.Op selects the Engine method, which receives
// c.At and the fields it takes. Applying the commands a host recorded, in
// order, to a new engine with the same Config rebuilds the same state and
// the same decisions. AddTeam ignores c.At.
func (e *Engine) Apply(c Command) error {
	switch c.Op {
	case OpAdvance:
		return e.Advance(c.At)
	case OpAddTeam:
		return e.AddTeam(c.Team, c.Name, c.TeamConfig)
	case OpSetTeamOverride:
		return e.SetTeamOverride(c.At, c.Team, c.Override)
	case OpSetWorkspaceOverride:
		return e.SetWorkspaceOverride(c.At, c.Override)
	case OpAddTeammate:
		return e.AddTeammate(c.At, c.Teammate, c.Name, c.Presence)
	case OpRemoveTeammate:
		return e.RemoveTeammate(c.At, c.Teammate)
	case OpAddMember:
		return e.AddMember(c.At, c.Team, c.Teammate)
	case OpRemoveMember:
		return e.RemoveMember(c.At, c.Team, c.Teammate)
	case OpSetStatus:
		return e.SetStatus(c.At, c.Teammate, c.Status, c.Reason)
	case OpSetChannel:
		return e.SetChannel(c.At, c.Teammate, c.Channel)
	case OpSetClient:
		return e.SetClient(c.At, c.Teammate, c.Open, c.Background)
	case OpSetReassignReplies:
		return e.SetReassignReplies(c.At, c.Teammate, c.On)
	case OpStartMessengerCall:
		return e.StartMessengerCall(c.At, c.Teammate)
	case OpReportAssignment:
		return e.ReportAssignment(c.At, c.Teammate)
	case OpPlaceCall:
		return e.PlaceCall(c.At, c.Call)
	case OpQueueCall:
		return e.QueueCall(c.At, c.Call, c.Team)
	case OpArrive:
		return e.Arrive(c.At, c.Call, c.Team)
	case OpAnswer:
		return e.Answer(c.At, c.Call, c.Teammate)
	case OpDecline:
		return e.Decline(c.At, c.Call, c.Teammate, c.Decline)
	case OpManualAnswer:
		return e.ManualAnswer(c.At, c.Call, c.Teammate)
	case OpHold:
		return e.Hold(c.At, c.Call)
	case OpResume:
		return e.Resume(c.At, c.Call)
	case OpTransfer:
		return e.Transfer(c.At, c.Call, c.Team)
	case OpBarge:
		return e.Barge(c.At, c.Call, c.Teammate)
	case OpVoicemail:
		return e.Voicemail(c.At, c.Call)
	case OpRecordVoicemail:
		return e.RecordVoicemail(c.At, c.Call)
	case OpRequestCallback:
		return e.RequestCallback(c.At, c.Call)
	case OpForwardUnanswered:
		return e.ForwardUnanswered(c.At, c.Call)
	case OpEndCall:
		return e.EndCall(c.At, c.Call, c.By)
	case OpPlaceOutbound:
		return e.PlaceOutbound(c.At, c.Call, c.Teammate)
	case OpCustomerAnswered:
		return e.CustomerAnswered(c.At, c.Call, c.Voicemail)
	case OpSetTeamConfig:
		return e.SetTeamConfig(c.At, c.Team, c.TeamConfig)
	case OpSetWorkspaceConfig:
		return e.SetWorkspaceConfig(c.At, c.Config)
	case OpQueueCallback:
		return e.QueueCallback(c.At, c.Call)
	case OpCallbackUnreached:
		return e.CallbackUnreached(c.At, c.Call)
	}
	return fmt.Errorf("%w: op %v", ErrInvalidArgument, c.Op)
}
