package main

import (
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/schedule"
)

// script plays a morning in a small contact center. It returns the
// explanation of call-7 taken while that call rang.
func (p *play) script() (assign.Explanation, error) {
	e := p.eng
	var explained assign.Explanation
	active := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	phoneOnly := active
	phoneOnly.Channel = presence.ChannelPhone

	// The workspace: Support queues at most 3 calls and holds customers
	// for at most 6 minutes; Billing; a Night team nobody staffs now.
	steps := []func() error{
		func() error {
			return p.do(
				e.AddTeam("support", "Support", assign.TeamConfig{MaxQueue: 3, MaxWait: 6 * time.Minute}),
				e.AddTeam("billing", "Billing", assign.TeamConfig{}),
				e.AddTeam("night", "Night shift", assign.TeamConfig{DeflectWhenNobodyOnline: true}),
				e.AddTeammate(p.at("08:55:00"), "ana", "Ana", active),
				e.AddTeammate(p.now, "ben", "Ben", active),
				e.AddTeammate(p.now, "cleo", "Cleo", phoneOnly),
				e.AddTeammate(p.now, "dev", "Dev", active),
				e.AddTeammate(p.now, "eli", "Eli (supervisor)", presence.State{Channel: presence.ChannelConversations, Status: presence.Active, ClientOpen: true}),
				e.AddTeammate(p.now, "fay", "Fay", active),
				e.AddTeammate(p.now, "gus", "Gus", presence.State{Channel: presence.ChannelAll, Status: presence.Away, Reason: "Training"}),
				e.AddMember(p.now, "support", "ana"),
				e.AddMember(p.now, "support", "ben"),
				e.AddMember(p.now, "support", "cleo"),
				e.AddMember(p.now, "support", "dev"),
				e.AddMember(p.now, "support", "gus"),
				e.AddMember(p.now, "billing", "fay"),
				e.AddMember(p.now, "night", "gus"),
				e.SetReassignReplies(p.now, "ana", true),
				// Chats assigned this morning decide who is longest idle.
				e.ReportAssignment(p.at("08:56:00"), "dev"),
				e.ReportAssignment(p.at("08:57:00"), "cleo"),
				e.ReportAssignment(p.at("08:58:00"), "ben"),
				e.ReportAssignment(p.at("08:59:00"), "ana"),
			)
		},
		// call-1: routed by the IVR, answered, held, barged, transferred.
		func() error {
			return p.do(
				e.PlaceCall(p.at("09:00:00"), "call-1"),
				e.QueueCall(p.at("09:00:12"), "call-1", "support"), // rings Dev, longest idle
				e.Answer(p.at("09:00:20"), "call-1", "dev"),
				e.Hold(p.at("09:02:00"), "call-1"),
				e.Resume(p.at("09:02:40"), "call-1"),
				e.Barge(p.at("09:03:00"), "call-1", "eli"),
				e.Transfer(p.at("09:04:00"), "call-1", "billing"), // rings Fay
				e.Answer(p.at("09:04:09"), "call-1", "fay"),
				e.EndCall(p.at("09:07:30"), "call-1", eventlog.ByTeammate),
			)
		},
		// call-2: declined with the button, declined busy, answered.
		func() error {
			return p.do(
				e.Arrive(p.at("09:10:00"), "call-2", "support"), // rings Cleo
				e.Decline(p.at("09:10:04"), "call-2", "cleo", eventlog.DeclineButton),
				e.Decline(p.at("09:10:06"), "call-2", "ben", eventlog.DeclineBusy),
				e.Answer(p.at("09:10:10"), "call-2", "ana"), // her replies are reassigned
				e.HangUp(p.at("09:14:00"), "call-2"),
			)
		},
		// call-3: Cleo lets it ring out; the customer gives up while it rings
		// Ben.
		func() error {
			return p.do(
				e.Arrive(p.at("09:20:00"), "call-3", "support"),
				e.Advance(p.at("09:20:30")),
				e.HangUp(p.at("09:20:39"), "call-3"),
			)
		},
		// call-4: everybody is busy or away; Ben claims it from the pool.
		func() error {
			return p.do(
				e.SetStatus(p.at("09:25:00"), "ana", presence.Away, "Lunch"),
				e.SetClient(p.now, "cleo", true, true),
				e.SetStatus(p.now, "dev", presence.Away, "Coaching"),
				e.SetStatus(p.now, "ben", presence.Away, "Break"),
				e.Arrive(p.at("09:25:10"), "call-4", "support"),
				e.ManualAnswer(p.at("09:25:30"), "call-4", "ben"),
				e.EndCall(p.at("09:28:00"), "call-4", eventlog.ByTeammate),
			)
		},
		// call-5: forwarded to an external number that does not answer; the
		// customer hangs up before the workflow assigns it.
		func() error {
			return p.do(
				e.PlaceCall(p.at("09:30:00"), "call-5"),
				e.ForwardUnanswered(p.at("09:30:40"), "call-5"),
				e.HangUp(p.at("09:30:45"), "call-5"),
				e.QueueCall(p.at("09:30:46"), "call-5", "support"),
			)
		},
		// call-6: waits, goes to voicemail, leaves a message.
		func() error {
			return p.do(
				e.Arrive(p.at("09:32:00"), "call-6", "support"),
				e.Voicemail(p.at("09:33:00"), "call-6"),
				e.RecordVoicemail(p.at("09:33:40"), "call-6"),
				e.EndCall(p.at("09:34:00"), "call-6", eventlog.BySystem),
			)
		},
		// call-7: Cleo comes back to the foreground and is rung; Explain
		// shows the team as the lead sees it; the customer asks for a
		// callback.
		func() error {
			err := p.do(
				e.Arrive(p.at("09:35:00"), "call-7", "support"),
				e.SetClient(p.at("09:35:20"), "cleo", true, false),
			)
			if err != nil {
				return err
			}
			explained, err = e.Explain("call-7")
			if err != nil {
				return err
			}
			return p.do(e.RequestCallback(p.at("09:35:30"), "call-7"))
		},
		// call-8 to call-12: every deflection reason.
		func() error {
			return p.do(
				e.SetStatus(p.at("09:40:00"), "cleo", presence.Away, "Lunch"),
				e.Arrive(p.at("09:40:01"), "call-8", "support"),
				e.Arrive(p.at("09:40:02"), "call-9", "support"),
				e.Arrive(p.at("09:40:03"), "call-10", "support"),
				e.Arrive(p.at("09:40:04"), "call-11", "support"), // the queue holds 3: deflected
				e.Arrive(p.at("09:41:00"), "call-12", "night"),   // nobody online
				e.SetTeamOverride(p.at("09:42:00"), "billing", schedule.OutOfOffice),
				e.Arrive(p.now, "call-13", "billing"), // team out of office
				e.SetWorkspaceOverride(p.at("09:43:00"), schedule.OutOfOffice),
				e.Arrive(p.now, "call-14", "support"), // workspace out of office
				e.SetWorkspaceOverride(p.at("09:44:00"), schedule.FollowHours),
				e.Advance(p.at("09:46:10")), // calls 8-10 waited 6 minutes
				e.HangUp(p.at("09:46:20"), "call-8"),
				e.HangUp(p.now, "call-9"),
				e.HangUp(p.now, "call-10"),
				e.HangUp(p.now, "call-11"),
				e.HangUp(p.now, "call-12"),
				e.HangUp(p.now, "call-13"),
				e.HangUp(p.now, "call-14"),
			)
		},
		// call-15: Ben calls a customer back; their voicemail picks up.
		func() error {
			return p.do(
				e.SetStatus(p.at("09:50:00"), "ben", presence.Active, ""),
				e.PlaceOutbound(p.at("09:50:05"), "call-15", "ben"),
				e.CustomerAnswered(p.at("09:50:20"), "call-15", true),
				e.EndCall(p.at("09:51:00"), "call-15", eventlog.ByTeammate),
				e.Advance(p.at("09:52:00")),
			)
		},
		// An admin moves Eli to Phone; Gus leaves the team and the
		// workspace; Ben switches to active during his wrap-up.
		func() error {
			return p.do(
				e.SetChannel(p.at("09:55:00"), "eli", presence.ChannelPhone),
				e.RemoveMember(p.at("09:56:00"), "night", "gus"),
				e.RemoveTeammate(p.at("09:57:00"), "gus"),
				e.PlaceOutbound(p.at("09:58:00"), "call-16", "ben"),
				e.CustomerAnswered(p.at("09:58:10"), "call-16", false),
				e.EndCall(p.at("09:59:00"), "call-16", eventlog.ByCustomer),
				e.SetStatus(p.at("09:59:10"), "ben", presence.Active, ""),
			)
		},
		// call-17: ringing Ben, the customer asks for a callback and keeps
		// their place; Ben answers, and calling the customer back does not
		// reach them.
		func() error {
			return p.do(
				e.Arrive(p.at("10:00:00"), "call-17", "support"),
				e.QueueCallback(p.at("10:00:05"), "call-17"),
				e.Answer(p.at("10:00:10"), "call-17", "ben"),
				e.CallbackUnreached(p.at("10:00:45"), "call-17"),
			)
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return explained, err
		}
	}
	return explained, nil
}
