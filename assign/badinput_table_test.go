package assign

import (
	"errors"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/schedule"
	"github.com/stretchr/testify/require"
)

// badFixture is an engine with a call in every stage, at badNow:
//
//	talk  answered by ana          held  answered by ben, on hold
//	ring  ringing cy               wait  queued in sup (nobody free)
//	route routing                  vm    in voicemail, recorded
//	gone  ended (never answered)   done  ended (answered)
//	out   outbound by dee, dialing
//	out2  outbound by gus, answered by the customer
//	full1 queued in "full" (MaxQueue 1, no members)
//	cb    queued in sup after wait, a callback keeping its place
//
// eve is a member of sup, Away; fay is free and in no team.
const (
	fixturePlain = iota
	fixtureAutoAnswer
	fixtureTest
)

var badNow = t0.Add(time.Minute)

func badFixture(t *testing.T, kind int) *Engine {
	t.Helper()
	cfg := DefaultConfig()
	cfg.AutoAnswer = kind == fixtureAutoAnswer
	cfg.TestWorkspace = kind == fixtureTest
	e, err := New(cfg)
	require.NoError(t, err)
	ok := func(err error) {
		t.Helper()
		require.NoError(t, err)
	}
	ok(e.AddTeam("sup", "Support", TeamConfig{}))
	ok(e.AddTeam("full", "Full", TeamConfig{MaxQueue: 1}))
	for _, id := range []pb.TeammateID{"ana", "ben", "cy", "dee", "eve", "fay", "gus"} {
		ok(e.AddTeammate(t0, id, string(id), available()))
	}
	for _, id := range []pb.TeammateID{"ana", "ben", "cy", "eve"} {
		ok(e.AddMember(t0, "sup", id))
	}
	ok(e.SetStatus(t0, "eve", presence.Away, "Lunch"))
	ok(e.PlaceCall(t0, "route"))
	ok(e.PlaceCall(t0, "vm"))
	ok(e.Voicemail(t0, "vm"))
	ok(e.RecordVoicemail(t0, "vm"))
	ok(e.PlaceCall(t0, "gone"))
	ok(e.HangUp(t0, "gone"))
	ok(e.PlaceOutbound(t0, "out", "dee"))
	ok(e.PlaceOutbound(t0, "out2", "gus"))
	ok(e.CustomerAnswered(t0, "out2", false))
	if kind != fixtureTest {
		ok(e.Arrive(t0, "done", "sup"))
		ok(e.Answer(t0, "done", "ana"))
		ok(e.HangUp(t0, "done"))
		ok(e.ReportAssignment(t0, "ben")) // ana, ben and cy tie again
		ok(e.ReportAssignment(t0, "cy"))
		ok(e.Arrive(t0, "talk", "sup")) // rings ana
		ok(e.Answer(t0, "talk", "ana"))
		ok(e.Arrive(t0, "held", "sup")) // rings ben
		ok(e.Answer(t0, "held", "ben"))
		ok(e.Hold(t0, "held"))
		ok(e.Arrive(badNow, "ring", "sup")) // rings cy
		ok(e.Arrive(badNow, "wait", "sup")) // nobody free
		ok(e.Arrive(badNow, "full1", "full"))
		ok(e.Arrive(badNow, "cb", "sup")) // nobody free
		ok(e.QueueCallback(badNow, "cb"))
	}
	ok(e.Advance(badNow))
	e.Ready()
	require.NoError(t, checkInvariants(e))
	return e
}

type badRow struct {
	name    string
	fixture int
	cmd     Command
	back    bool // the command's time is before the engine's
	want    error
}

// badInputRows is every class of bad input for every op. Each row's
// command must fail with its sentinel and change nothing.
func badInputRows() []badRow {
	call := func(op Op, id pb.CallID) Command { return Command{Op: op, Call: id} }
	callMate := func(op Op, id pb.CallID, m pb.TeammateID) Command {
		return Command{Op: op, Call: id, Teammate: m}
	}
	callTeam := func(op Op, id pb.CallID, tm pb.TeamID) Command { return Command{Op: op, Call: id, Team: tm} }
	mate := func(op Op, m pb.TeammateID) Command { return Command{Op: op, Teammate: m} }
	member := func(op Op, tm pb.TeamID, m pb.TeammateID) Command {
		return Command{Op: op, Team: tm, Teammate: m}
	}
	status := func(m pb.TeammateID, s presence.Status, reason string) Command {
		return Command{Op: OpSetStatus, Teammate: m, Status: s, Reason: reason}
	}
	decline := func(id pb.CallID, m pb.TeammateID, cause eventlog.DeclineCause) Command {
		return Command{Op: OpDecline, Call: id, Teammate: m, Decline: cause}
	}
	end := func(id pb.CallID, by eventlog.Party) Command { return Command{Op: OpEndCall, Call: id, By: by} }
	addMate := func(m pb.TeammateID, st presence.State) Command {
		return Command{Op: OpAddTeammate, Teammate: m, Presence: st}
	}
	away := available()
	away.Status, away.Reason = presence.Away, "Lunch"
	with := func(f func(*presence.State)) presence.State {
		st := available()
		f(&st)
		return st
	}
	return []badRow{
		// Time going backwards is refused by every command that takes a
		// time (AddTeam takes none).
		{name: "advance backwards", cmd: Command{Op: OpAdvance}, back: true, want: ErrTimeWentBackwards},

		// Teams. Rule: DF1, DF4, DF5
		{name: "empty team ID", cmd: Command{Op: OpAddTeam}, want: ErrInvalidArgument},
		{name: "duplicate team", cmd: Command{Op: OpAddTeam, Team: "sup"}, want: ErrDuplicateTeam},
		{name: "negative MaxQueue", cmd: Command{Op: OpAddTeam, Team: "new", TeamConfig: TeamConfig{MaxQueue: -1}}, want: ErrInvalidConfig},
		{name: "negative MaxWait", cmd: Command{Op: OpAddTeam, Team: "new", TeamConfig: TeamConfig{MaxWait: -time.Second}}, want: ErrInvalidConfig},
		{name: "team hours override 7", cmd: Command{Op: OpAddTeam, Team: "new", TeamConfig: TeamConfig{Hours: schedule.Hours{Override: 7}}}, want: ErrInvalidConfig},
		{name: "override of unknown team", cmd: Command{Op: OpSetTeamOverride, Team: "nope"}, want: ErrUnknownTeam},
		{name: "override of empty team ID", cmd: Command{Op: OpSetTeamOverride}, want: ErrInvalidArgument},
		{name: "team override 7", cmd: Command{Op: OpSetTeamOverride, Team: "sup", Override: 7}, want: ErrInvalidArgument},
		{name: "team override backwards", cmd: Command{Op: OpSetTeamOverride, Team: "sup"}, back: true, want: ErrTimeWentBackwards},
		// Rule: DF1, DF4, DF5
		{name: "config of unknown team", cmd: Command{Op: OpSetTeamConfig, Team: "nope"}, want: ErrUnknownTeam},
		{name: "config of empty team ID", cmd: Command{Op: OpSetTeamConfig}, want: ErrInvalidArgument},
		{name: "config negative MaxQueue", cmd: Command{Op: OpSetTeamConfig, Team: "sup", TeamConfig: TeamConfig{MaxQueue: -1}}, want: ErrInvalidConfig},
		{name: "config negative MaxWait", cmd: Command{Op: OpSetTeamConfig, Team: "sup", TeamConfig: TeamConfig{MaxWait: -time.Second}}, want: ErrInvalidConfig},
		{name: "config MaxWait over 30 days", cmd: Command{Op: OpSetTeamConfig, Team: "sup", TeamConfig: TeamConfig{MaxWait: MaxPeriod + 1}}, want: ErrInvalidConfig},
		{name: "config hours override 7", cmd: Command{Op: OpSetTeamConfig, Team: "sup", TeamConfig: TeamConfig{Hours: schedule.Hours{Override: 7}}}, want: ErrInvalidConfig},
		{name: "config backwards", cmd: Command{Op: OpSetTeamConfig, Team: "sup"}, back: true, want: ErrTimeWentBackwards},
		// Rule: DF3
		{name: "workspace override 7", cmd: Command{Op: OpSetWorkspaceOverride, Override: 7}, want: ErrInvalidArgument},
		{name: "workspace override backwards", cmd: Command{Op: OpSetWorkspaceOverride, Override: schedule.OutOfOffice}, back: true, want: ErrTimeWentBackwards},
		// Rule: AS8, DF3, EL3
		{name: "workspace config invalid", cmd: Command{Op: OpSetWorkspaceConfig}, want: ErrInvalidConfig},
		{name: "workspace config hours override 7", cmd: Command{Op: OpSetWorkspaceConfig, Config: withConfig(func(c *Config) { c.Hours.Override = 7 })}, want: ErrInvalidConfig},
		{name: "workspace config changes RingTimeout", cmd: Command{Op: OpSetWorkspaceConfig, Config: withConfig(func(c *Config) { c.RingTimeout = time.Minute })}, want: ErrInvalidConfig},
		{name: "workspace config changes CallLimit", cmd: Command{Op: OpSetWorkspaceConfig, Config: withConfig(func(c *Config) { c.CallLimit = 2 })}, want: ErrInvalidConfig},
		{name: "workspace config changes TestWorkspace", cmd: Command{Op: OpSetWorkspaceConfig, Config: withConfig(func(c *Config) { c.TestWorkspace = true })}, want: ErrInvalidConfig},
		{name: "workspace config backwards", cmd: Command{Op: OpSetWorkspaceConfig, Config: withConfig(func(c *Config) { c.AutoAnswer = true })}, back: true, want: ErrTimeWentBackwards},

		// Teammates and presence. Rule: PR1, PR2, PR3, PR6
		{name: "empty teammate ID", cmd: addMate("", available()), want: ErrInvalidArgument},
		{name: "duplicate teammate", cmd: addMate("ana", available()), want: ErrDuplicateTeammate},
		{name: "added with channel 0", cmd: addMate("new", with(func(s *presence.State) { s.Channel = 0 })), want: ErrInvalidArgument},
		{name: "added with channel 9", cmd: addMate("new", with(func(s *presence.State) { s.Channel = 9 })), want: ErrInvalidArgument},
		{name: "added with status 0", cmd: addMate("new", with(func(s *presence.State) { s.Status = 0 })), want: ErrInvalidArgument},
		{name: "added Away without reason", cmd: addMate("new", with(func(s *presence.State) { s.Status = presence.Away })), want: ErrInvalidArgument},
		{name: "added Active with a reason", cmd: addMate("new", with(func(s *presence.State) { s.Reason = "Lunch" })), want: ErrInvalidArgument},
		{name: "added in wrap-up", cmd: addMate("new", with(func(s *presence.State) {
			s.Status, s.Reason, s.WrapUpUntil = presence.Away, presence.ReasonWrapUp, badNow.Add(time.Minute)
		})), want: ErrInvalidArgument},
		{name: "added backwards", cmd: addMate("new", away), back: true, want: ErrTimeWentBackwards},
		{name: "remove unknown teammate", cmd: mate(OpRemoveTeammate, "zed"), want: ErrUnknownTeammate},
		{name: "remove empty teammate ID", cmd: mate(OpRemoveTeammate, ""), want: ErrInvalidArgument},
		// Rule: AS4, X4
		{name: "remove a ringing teammate", cmd: mate(OpRemoveTeammate, "cy"), want: ErrTeammateBusy},
		{name: "remove a teammate on a call", cmd: mate(OpRemoveTeammate, "ana"), want: ErrTeammateBusy},
		{name: "remove a teammate dialing out", cmd: mate(OpRemoveTeammate, "dee"), want: ErrTeammateBusy},
		{name: "remove backwards", cmd: mate(OpRemoveTeammate, "fay"), back: true, want: ErrTimeWentBackwards},
		{name: "member of unknown team", cmd: member(OpAddMember, "nope", "fay"), want: ErrUnknownTeam},
		{name: "unknown teammate as member", cmd: member(OpAddMember, "sup", "zed"), want: ErrUnknownTeammate},
		{name: "duplicate member", cmd: member(OpAddMember, "sup", "ana"), want: ErrDuplicateMember},
		{name: "add member backwards", cmd: member(OpAddMember, "sup", "fay"), back: true, want: ErrTimeWentBackwards},
		{name: "remove member of unknown team", cmd: member(OpRemoveMember, "nope", "ana"), want: ErrUnknownTeam},
		{name: "remove unknown member", cmd: member(OpRemoveMember, "sup", "zed"), want: ErrUnknownTeammate},
		{name: "remove a non-member", cmd: member(OpRemoveMember, "sup", "fay"), want: ErrNotMember},
		{name: "remove member backwards", cmd: member(OpRemoveMember, "sup", "eve"), back: true, want: ErrTimeWentBackwards},
		{name: "status of unknown teammate", cmd: status("zed", presence.Active, ""), want: ErrUnknownTeammate},
		{name: "status 0", cmd: status("fay", 0, ""), want: ErrInvalidArgument},
		{name: "status 9", cmd: status("fay", 9, ""), want: ErrInvalidArgument},
		{name: "Away without reason", cmd: status("fay", presence.Away, ""), want: ErrInvalidArgument},
		{name: "Active with a reason", cmd: status("fay", presence.Active, "Lunch"), want: ErrInvalidArgument},
		{name: "status backwards", cmd: status("fay", presence.Away, "Lunch"), back: true, want: ErrTimeWentBackwards},
		// Rule: PR7
		{name: "channel of unknown teammate", cmd: Command{Op: OpSetChannel, Teammate: "zed", Channel: presence.ChannelPhone}, want: ErrUnknownTeammate},
		{name: "channel 0", cmd: Command{Op: OpSetChannel, Teammate: "fay"}, want: ErrInvalidArgument},
		{name: "channel 9", cmd: Command{Op: OpSetChannel, Teammate: "fay", Channel: 9}, want: ErrInvalidArgument},
		{name: "channel backwards", cmd: Command{Op: OpSetChannel, Teammate: "fay", Channel: presence.ChannelPhone}, back: true, want: ErrTimeWentBackwards},
		{name: "client of unknown teammate", cmd: mate(OpSetClient, "zed"), want: ErrUnknownTeammate},
		{name: "client backwards", cmd: mate(OpSetClient, "fay"), back: true, want: ErrTimeWentBackwards},
		// Rule: PR4
		{name: "reassign replies of unknown teammate", cmd: Command{Op: OpSetReassignReplies, Teammate: "zed", On: true}, want: ErrUnknownTeammate},
		{name: "reassign replies backwards", cmd: Command{Op: OpSetReassignReplies, Teammate: "fay", On: true}, back: true, want: ErrTimeWentBackwards},
		// Rule: PR5
		{name: "messenger call of unknown teammate", cmd: mate(OpStartMessengerCall, "zed"), want: ErrUnknownTeammate},
		{name: "messenger call backwards", cmd: mate(OpStartMessengerCall, "fay"), back: true, want: ErrTimeWentBackwards},
		// Rule: AS3
		{name: "assignment of unknown teammate", cmd: mate(OpReportAssignment, "zed"), want: ErrUnknownTeammate},
		{name: "assignment backwards", cmd: mate(OpReportAssignment, "fay"), back: true, want: ErrTimeWentBackwards},

		// Inbound calls. Rule: LC1, AS9, AS11, AS13
		{name: "place empty call ID", cmd: call(OpPlaceCall, ""), want: ErrInvalidArgument},
		{name: "place duplicate call", cmd: call(OpPlaceCall, "talk"), want: ErrDuplicateCall},
		{name: "place an ended call's retained ID", cmd: call(OpPlaceCall, "gone"), want: ErrDuplicateCall},
		{name: "place backwards", cmd: call(OpPlaceCall, "new"), back: true, want: ErrTimeWentBackwards},
		{name: "queue unknown call", cmd: callTeam(OpQueueCall, "zzz", "sup"), want: ErrUnknownCall},
		{name: "queue empty call ID", cmd: callTeam(OpQueueCall, "", "sup"), want: ErrInvalidArgument},
		{name: "queue for unknown team", cmd: callTeam(OpQueueCall, "route", "nope"), want: ErrUnknownTeam},
		{name: "queue a ringing call", cmd: callTeam(OpQueueCall, "ring", "sup"), want: ErrWrongState},
		{name: "queue a queued call", cmd: callTeam(OpQueueCall, "wait", "sup"), want: ErrWrongState},
		{name: "queue a talking call", cmd: callTeam(OpQueueCall, "talk", "sup"), want: ErrWrongState},
		{name: "queue a voicemail", cmd: callTeam(OpQueueCall, "vm", "sup"), want: ErrWrongState},
		{name: "queue an outbound call", cmd: callTeam(OpQueueCall, "out", "sup"), want: ErrWrongState},
		{name: "queue an answered call that ended", cmd: callTeam(OpQueueCall, "done", "sup"), want: ErrCallEnded},
		{name: "queue in a TEST workspace", fixture: fixtureTest, cmd: callTeam(OpQueueCall, "route", "sup"), want: ErrTestWorkspace},
		{name: "queue backwards", cmd: callTeam(OpQueueCall, "route", "sup"), back: true, want: ErrTimeWentBackwards},
		{name: "arrive with empty call ID", cmd: callTeam(OpArrive, "", "sup"), want: ErrInvalidArgument},
		{name: "arrive duplicate", cmd: callTeam(OpArrive, "talk", "sup"), want: ErrDuplicateCall},
		{name: "arrive for unknown team", cmd: callTeam(OpArrive, "new", "nope"), want: ErrUnknownTeam},
		{name: "arrive for empty team ID", cmd: callTeam(OpArrive, "new", ""), want: ErrInvalidArgument},
		{name: "arrive in a TEST workspace", fixture: fixtureTest, cmd: callTeam(OpArrive, "new", "sup"), want: ErrTestWorkspace},
		{name: "arrive backwards", cmd: callTeam(OpArrive, "new", "sup"), back: true, want: ErrTimeWentBackwards},

		// Answers and declines. Rule: X3, EL4, AS5, AS6, AS8
		{name: "answer unknown call", cmd: callMate(OpAnswer, "zzz", "cy"), want: ErrUnknownCall},
		{name: "answer by unknown teammate", cmd: callMate(OpAnswer, "ring", "zed"), want: ErrUnknownTeammate},
		{name: "answer by someone not rung", cmd: callMate(OpAnswer, "ring", "fay"), want: ErrNotRinging},
		{name: "answer a talking call again", cmd: callMate(OpAnswer, "talk", "ana"), want: ErrNotRinging},
		{name: "second teammate answers a talking call", cmd: callMate(OpAnswer, "talk", "cy"), want: ErrNotRinging},
		{name: "answer a queued call", cmd: callMate(OpAnswer, "wait", "eve"), want: ErrNotRinging},
		{name: "answer a routing call", cmd: callMate(OpAnswer, "route", "fay"), want: ErrNotRinging},
		{name: "answer an ended call", cmd: callMate(OpAnswer, "gone", "fay"), want: ErrCallEnded},
		{name: "answer backwards", cmd: callMate(OpAnswer, "ring", "cy"), back: true, want: ErrTimeWentBackwards},
		{name: "decline cause 0", cmd: decline("ring", "cy", 0), want: ErrInvalidArgument},
		{name: "decline cause 9", cmd: decline("ring", "cy", 9), want: ErrInvalidArgument},
		{name: "decline unknown call", cmd: decline("zzz", "cy", eventlog.DeclineButton), want: ErrUnknownCall},
		{name: "decline by unknown teammate", cmd: decline("ring", "zed", eventlog.DeclineButton), want: ErrUnknownTeammate},
		{name: "decline by someone not rung", cmd: decline("ring", "ana", eventlog.DeclineButton), want: ErrNotRinging},
		{name: "decline a talking call", cmd: decline("talk", "ana", eventlog.DeclineBusy), want: ErrNotRinging},
		{name: "decline an ended call", cmd: decline("gone", "cy", eventlog.DeclineBusy), want: ErrCallEnded},
		{name: "decline button under auto-answer", fixture: fixtureAutoAnswer, cmd: decline("ring", "cy", eventlog.DeclineButton), want: ErrDeclineUnavailable},
		{name: "decline backwards", cmd: decline("ring", "cy", eventlog.DeclineBusy), back: true, want: ErrTimeWentBackwards},
		// Rule: AS10
		{name: "manual answer of unknown call", cmd: callMate(OpManualAnswer, "zzz", "eve"), want: ErrUnknownCall},
		{name: "manual answer by unknown teammate", cmd: callMate(OpManualAnswer, "wait", "zed"), want: ErrUnknownTeammate},
		{name: "manual answer of a ringing call", cmd: callMate(OpManualAnswer, "ring", "eve"), want: ErrWrongState},
		{name: "manual answer of a talking call", cmd: callMate(OpManualAnswer, "talk", "eve"), want: ErrWrongState},
		{name: "manual answer of a routing call", cmd: callMate(OpManualAnswer, "route", "eve"), want: ErrWrongState},
		{name: "manual answer by a non-member", cmd: callMate(OpManualAnswer, "wait", "fay"), want: ErrNotMember},
		{name: "manual answer by a teammate on a call", cmd: callMate(OpManualAnswer, "wait", "ana"), want: ErrTeammateBusy},
		{name: "manual answer by a ringing teammate", cmd: callMate(OpManualAnswer, "wait", "cy"), want: ErrTeammateBusy},
		{name: "manual answer of an ended call", cmd: callMate(OpManualAnswer, "gone", "eve"), want: ErrCallEnded},
		{name: "manual answer backwards", cmd: callMate(OpManualAnswer, "wait", "eve"), back: true, want: ErrTimeWentBackwards},

		// Active calls. Rule: LC1, LC3, LC4
		{name: "hold unknown call", cmd: call(OpHold, "zzz"), want: ErrUnknownCall},
		{name: "hold a ringing call", cmd: call(OpHold, "ring"), want: ErrWrongState},
		{name: "hold a queued call", cmd: call(OpHold, "wait"), want: ErrWrongState},
		{name: "hold a call on hold", cmd: call(OpHold, "held"), want: ErrWrongState},
		{name: "hold a dialing call", cmd: call(OpHold, "out"), want: ErrWrongState},
		{name: "hold an ended call", cmd: call(OpHold, "done"), want: ErrCallEnded},
		{name: "hold backwards", cmd: call(OpHold, "talk"), back: true, want: ErrTimeWentBackwards},
		{name: "resume unknown call", cmd: call(OpResume, "zzz"), want: ErrUnknownCall},
		{name: "resume a talking call", cmd: call(OpResume, "talk"), want: ErrWrongState},
		{name: "resume a ringing call", cmd: call(OpResume, "ring"), want: ErrWrongState},
		{name: "resume an ended call", cmd: call(OpResume, "done"), want: ErrCallEnded},
		{name: "resume backwards", cmd: call(OpResume, "held"), back: true, want: ErrTimeWentBackwards},
		{name: "transfer unknown call", cmd: callTeam(OpTransfer, "zzz", "sup"), want: ErrUnknownCall},
		{name: "transfer to unknown team", cmd: callTeam(OpTransfer, "talk", "nope"), want: ErrUnknownTeam},
		{name: "transfer a ringing call", cmd: callTeam(OpTransfer, "ring", "sup"), want: ErrWrongState},
		{name: "transfer a queued call", cmd: callTeam(OpTransfer, "wait", "sup"), want: ErrWrongState},
		{name: "transfer a routing call", cmd: callTeam(OpTransfer, "route", "sup"), want: ErrWrongState},
		{name: "transfer an ended call", cmd: callTeam(OpTransfer, "done", "sup"), want: ErrCallEnded},
		{name: "transfer an outbound call", fixture: fixtureTest, cmd: callTeam(OpTransfer, "out2", "sup"), want: ErrWrongState},
		{name: "transfer backwards", cmd: callTeam(OpTransfer, "talk", "sup"), back: true, want: ErrTimeWentBackwards},
		{name: "barge unknown call", cmd: callMate(OpBarge, "zzz", "fay"), want: ErrUnknownCall},
		{name: "barge by unknown teammate", cmd: callMate(OpBarge, "talk", "zed"), want: ErrUnknownTeammate},
		{name: "barge by the call's own teammate", cmd: callMate(OpBarge, "talk", "ana"), want: ErrWrongState},
		{name: "barge a ringing call", cmd: callMate(OpBarge, "ring", "fay"), want: ErrWrongState},
		{name: "barge an ended call", cmd: callMate(OpBarge, "done", "fay"), want: ErrCallEnded},
		{name: "barge backwards", cmd: callMate(OpBarge, "talk", "fay"), back: true, want: ErrTimeWentBackwards},

		// Voicemail, callbacks, forwarding. Rule: LC5, MT5, MT6
		{name: "voicemail of unknown call", cmd: call(OpVoicemail, "zzz"), want: ErrUnknownCall},
		{name: "voicemail of a talking call", cmd: call(OpVoicemail, "talk"), want: ErrWrongState},
		{name: "voicemail twice", cmd: call(OpVoicemail, "vm"), want: ErrWrongState},
		{name: "voicemail of a dialing call", cmd: call(OpVoicemail, "out"), want: ErrWrongState},
		{name: "voicemail of an ended call", cmd: call(OpVoicemail, "gone"), want: ErrCallEnded},
		{name: "voicemail backwards", cmd: call(OpVoicemail, "route"), back: true, want: ErrTimeWentBackwards},
		{name: "record unknown voicemail", cmd: call(OpRecordVoicemail, "zzz"), want: ErrUnknownCall},
		{name: "record voicemail twice", cmd: call(OpRecordVoicemail, "vm"), want: ErrWrongState},
		{name: "record voicemail of a routing call", cmd: call(OpRecordVoicemail, "route"), want: ErrWrongState},
		{name: "record voicemail of an ended call", cmd: call(OpRecordVoicemail, "gone"), want: ErrCallEnded},
		{name: "record voicemail backwards", cmd: call(OpRecordVoicemail, "vm"), back: true, want: ErrTimeWentBackwards},
		{name: "callback for unknown call", cmd: call(OpRequestCallback, "zzz"), want: ErrUnknownCall},
		{name: "callback for a talking call", cmd: call(OpRequestCallback, "talk"), want: ErrWrongState},
		{name: "callback for a dialing call", cmd: call(OpRequestCallback, "out"), want: ErrWrongState},
		{name: "callback for an ended call", cmd: call(OpRequestCallback, "gone"), want: ErrCallEnded},
		{name: "callback backwards", cmd: call(OpRequestCallback, "wait"), back: true, want: ErrTimeWentBackwards},
		{name: "callback for a kept callback", cmd: call(OpRequestCallback, "cb"), want: ErrWrongState},
		{name: "kept callback for unknown call", cmd: call(OpQueueCallback, "zzz"), want: ErrUnknownCall},
		{name: "kept callback with empty call ID", cmd: call(OpQueueCallback, ""), want: ErrInvalidArgument},
		{name: "kept callback for a routing call", cmd: call(OpQueueCallback, "route"), want: ErrWrongState},
		{name: "kept callback for a talking call", cmd: call(OpQueueCallback, "talk"), want: ErrWrongState},
		{name: "kept callback in voicemail", cmd: call(OpQueueCallback, "vm"), want: ErrWrongState},
		{name: "kept callback for a dialing call", cmd: call(OpQueueCallback, "out"), want: ErrWrongState},
		{name: "kept callback for an ended call", cmd: call(OpQueueCallback, "gone"), want: ErrCallEnded},
		{name: "kept callback twice", cmd: call(OpQueueCallback, "cb"), want: ErrWrongState},
		{name: "kept callback backwards", cmd: call(OpQueueCallback, "wait"), back: true, want: ErrTimeWentBackwards},
		{name: "unreached callback of unknown call", cmd: call(OpCallbackUnreached, "zzz"), want: ErrUnknownCall},
		{name: "unreached callback with empty call ID", cmd: call(OpCallbackUnreached, ""), want: ErrInvalidArgument},
		{name: "unreached callback of a waiting call", cmd: call(OpCallbackUnreached, "wait"), want: ErrWrongState},
		{name: "unreached callback of a talking call", cmd: call(OpCallbackUnreached, "talk"), want: ErrWrongState},
		{name: "unreached callback of an ended call", cmd: call(OpCallbackUnreached, "gone"), want: ErrCallEnded},
		{name: "unreached callback backwards", cmd: call(OpCallbackUnreached, "cb"), back: true, want: ErrTimeWentBackwards},
		{name: "forward unknown call", cmd: call(OpForwardUnanswered, "zzz"), want: ErrUnknownCall},
		{name: "forward a queued call", cmd: call(OpForwardUnanswered, "wait"), want: ErrWrongState},
		{name: "forward a talking call", cmd: call(OpForwardUnanswered, "talk"), want: ErrWrongState},
		{name: "forward an ended call", cmd: call(OpForwardUnanswered, "gone"), want: ErrCallEnded},
		{name: "forward backwards", cmd: call(OpForwardUnanswered, "route"), back: true, want: ErrTimeWentBackwards},

		// Ending. Rule: LC2, X5
		{name: "end by party 0", cmd: end("talk", 0), want: ErrInvalidArgument},
		{name: "end by party 9", cmd: end("talk", 9), want: ErrInvalidArgument},
		{name: "end unknown call", cmd: end("zzz", eventlog.ByCustomer), want: ErrUnknownCall},
		{name: "end as a teammate with no teammate on it", cmd: end("wait", eventlog.ByTeammate), want: ErrWrongState},
		{name: "end as a teammate while ringing", cmd: end("ring", eventlog.ByTeammate), want: ErrWrongState},
		{name: "end an ended call", cmd: end("gone", eventlog.ByCustomer), want: ErrCallEnded},
		{name: "end backwards", cmd: end("talk", eventlog.ByCustomer), back: true, want: ErrTimeWentBackwards},

		// Outbound calls. Rule: LC6, MT14
		{name: "outbound with empty call ID", cmd: callMate(OpPlaceOutbound, "", "fay"), want: ErrInvalidArgument},
		{name: "outbound duplicate call", cmd: callMate(OpPlaceOutbound, "talk", "fay"), want: ErrDuplicateCall},
		{name: "outbound by unknown teammate", cmd: callMate(OpPlaceOutbound, "new", "zed"), want: ErrUnknownTeammate},
		{name: "outbound by a teammate on a call", cmd: callMate(OpPlaceOutbound, "new", "ana"), want: ErrTeammateBusy},
		{name: "outbound by a ringing teammate", cmd: callMate(OpPlaceOutbound, "new", "cy"), want: ErrTeammateBusy},
		{name: "outbound backwards", cmd: callMate(OpPlaceOutbound, "new", "fay"), back: true, want: ErrTimeWentBackwards},
		{name: "customer answers unknown call", cmd: call(OpCustomerAnswered, "zzz"), want: ErrUnknownCall},
		{name: "customer answers an inbound call", cmd: call(OpCustomerAnswered, "talk"), want: ErrWrongState},
		{name: "customer answers a routing inbound call", cmd: call(OpCustomerAnswered, "route"), want: ErrWrongState},
		{name: "customer answers twice", cmd: call(OpCustomerAnswered, "out2"), want: ErrWrongState},
		{name: "customer answers an ended call", cmd: call(OpCustomerAnswered, "gone"), want: ErrCallEnded},
		{name: "customer answers backwards", cmd: call(OpCustomerAnswered, "out"), back: true, want: ErrTimeWentBackwards},
	}
}

// Every op, fed every class of bad input that applies to it, returns its
// documented sentinel and leaves the engine exactly as it was, producing
// nothing.
// Rule: AS8, AS9, X3, X5
func TestBadInputTable(t *testing.T) {
	rows := badInputRows()
	covered := map[Op]int{}
	for _, r := range rows {
		covered[r.cmd.Op]++
	}
	for _, op := range Ops() {
		if covered[op] == 0 {
			t.Errorf("op %v has no bad-input row", op)
		}
	}
	for _, r := range rows {
		t.Run(r.cmd.Op.String()+"/"+r.name, func(t *testing.T) {
			e := badFixture(t, r.fixture)
			cmd := r.cmd
			cmd.At = badNow
			if r.back {
				cmd.At = badNow.Add(-time.Nanosecond)
			}
			before := snapshot(e)
			err := e.Apply(cmd)
			require.Error(t, err)
			require.True(t, errors.Is(err, r.want), "got %v, want %v", err, r.want)
			require.True(t, isSentinel(err))
			require.Equal(t, before, snapshot(e), "a refused command changed the state")
			require.True(t, e.Ready().Empty(), "a refused command produced effects or events")
			require.NoError(t, checkInvariants(e))
		})
	}
	t.Run("undeclared op", func(t *testing.T) {
		e := badFixture(t, fixturePlain)
		before := snapshot(e)
		for _, op := range []Op{0, opEnd, 200} {
			require.ErrorIs(t, e.Apply(Command{Op: op, At: badNow}), ErrInvalidArgument)
		}
		require.Equal(t, before, snapshot(e))
		require.True(t, e.Ready().Empty())
	})
}

// What looks like bad input but is not an error: a full queue deflects
// the call, an abandoned call's assignment is logged, Decline for a busy
// signal works under auto-answer, and repeating the current presence is a
// no-op.
// Rule: DF1, EL2, AS11, AS8
func TestNotErrors(t *testing.T) {
	t.Run("full queue deflects", func(t *testing.T) {
		e := badFixture(t, fixturePlain)
		require.NoError(t, e.Arrive(badNow, "new", "full"))
		r := e.Ready()
		require.Equal(t, []Effect{{Kind: Deflect, Call: "new", Team: "full", Deflection: eventlog.DeflectQueueFull}}, r.Effects)
		last := r.Events[len(r.Events)-1]
		require.Equal(t, eventlog.CallDeflected, last.Kind)
		require.Equal(t, eventlog.DeflectQueueFull, last.Deflection)
		require.Equal(t, 1, last.QueueLimit)
		v, _ := e.Call("new")
		require.Equal(t, eventlog.StageRouting, v.Stage)
		require.Empty(t, v.Team)
		_, queued, _ := e.TeamCounts("full")
		require.Equal(t, 1, queued)
		require.NoError(t, checkInvariants(e))
	})
	t.Run("queueing a call that ended unanswered", func(t *testing.T) {
		e := badFixture(t, fixturePlain)
		require.NoError(t, e.QueueCall(badNow, "gone", "sup"))
		r := e.Ready()
		require.Empty(t, r.Effects)
		require.Len(t, r.Events, 1)
		require.Equal(t, eventlog.AbandonedAssignment, r.Events[0].Kind)
		require.NoError(t, checkInvariants(e))
	})
	t.Run("busy-signal decline under auto-answer", func(t *testing.T) {
		e := badFixture(t, fixtureAutoAnswer)
		require.NoError(t, e.Decline(badNow, "ring", "cy", eventlog.DeclineBusy))
		require.NoError(t, checkInvariants(e))
	})
	t.Run("same presence again", func(t *testing.T) {
		e := badFixture(t, fixturePlain)
		before := snapshot(e)
		require.NoError(t, e.SetStatus(badNow, "fay", presence.Active, ""))
		require.NoError(t, e.SetChannel(badNow, "fay", presence.ChannelAll))
		require.NoError(t, e.SetClient(badNow, "fay", true, false))
		require.Equal(t, before, snapshot(e))
		require.True(t, e.Ready().Empty())
	})
	t.Run("AddTeam takes no time", func(t *testing.T) {
		e := badFixture(t, fixturePlain)
		require.NoError(t, e.Apply(Command{Op: OpAddTeam, At: t0, Team: "new"}))
	})
}

// withConfig returns the bad-input fixture's plain config changed by f.
func withConfig(f func(*Config)) Config {
	c := DefaultConfig()
	f(&c)
	return c
}
