package eventlog

import (
	"strconv"
	"time"
)

// Text returns the line a host shows for the event in a timeline, worded
// as the product words it (rules EL1-EL3). Names come from the event itself,
// so a stored log renders without the engine.
func (e Event) Text() string {
	name := e.TeammateName
	if name == "" {
		name = string(e.Teammate)
	}
	team := e.TeamName
	if team == "" {
		team = string(e.Team)
	}
	switch e.Kind {
	case CallPlaced:
		if e.Teammate != "" {
			return "Outbound call placed by " + name + "."
		}
		return "Call placed by customer."
	case CallQueued:
		return "Call queued for " + team + "."
	case CallOffered:
		return "Call assigned to " + name + "."
	case CallAnswered:
		return "Call answered by " + name + "."
	case CallDeclined:
		if e.Decline == DeclineButton {
			return "Call declined by " + name + " using the Decline button."
		}
		return "Call declined by " + name
	case CallMissed:
		return "Call missed by " + name + "."
	case CallOnHold:
		return "Call placed on hold by " + name + "."
	case CallResumed:
		return "Call taken off hold by " + name + "."
	case CallTransferred:
		if e.Teammate != "" {
			return "Call transferred to " + team + " by " + name + "."
		}
		return "Call transferred to " + team + "."
	case TeammateJoined:
		return name + " joined the call."
	case ManualAnswerRequested:
		return "Manual answer requested by " + name + "."
	case CallEndedBeforeAnswer:
		return "Call ended by customer before a teammate answered."
	case CallDeflected:
		return "Call deflected because " + e.DeflectionText()
	case AbandonedAssignment:
		return "Started assignment after call ended without an assignee."
	case VoicemailStarted:
		return "Call went to voicemail."
	case VoicemailRecorded:
		return "Customer left a voicemail."
	case CallbackRequested:
		if e.KeepsPlace {
			return "Customer requested a callback and keeps their place in the queue."
		}
		return "Customer requested a callback."
	case CallbackUnreached:
		return "Callback did not reach the customer."
	case CustomerAnswered:
		if e.Voicemail {
			return "Customer's voicemail answered the call."
		}
		return "Customer answered the call."
	case ForwardUnanswered:
		return "Forwarded call was not answered."
	case CallEnded:
		switch {
		case e.By == ByCustomer:
			return "Call ended by customer."
		case e.By == ByTeammate && e.Teammate != "":
			return "Call ended by " + name + "."
		}
		return "Call ended."
	case TeammatesAway:
		return "Teammates away: " + strconv.Itoa(e.Count)
	case TeammatesNoClient:
		return "Teammates available but with no active phone client: " + strconv.Itoa(e.Count)
	case TeammatesAvailable:
		return "Teammates available: " + strconv.Itoa(e.Count)
	case TeammateAdded:
		return name + " was added (" + e.presenceText() + ")."
	case TeammateRemoved:
		return name + " was removed."
	case MemberAdded:
		return name + " joined " + team + "."
	case MemberRemoved:
		return name + " left " + team + "."
	case StatusChanged:
		if e.Reason != "" {
			return name + " is now " + e.Status.String() + " (" + e.Reason + ")."
		}
		return name + " is now " + e.Status.String() + "."
	case ChannelChanged:
		return name + "'s channel availability is now " + e.Channel.String() + "."
	case ClientChanged:
		if e.ClientActive {
			return name + "'s phone client is active."
		}
		return name + " has no active phone client."
	case WrapUpStarted:
		return name + " is wrapping up until " + e.Deadline.Format(time.TimeOnly) + "."
	case WrapUpEnded:
		return name + " finished wrap up."
	case RepliesReassigned:
		return name + " is on a call: conversation replies are reassigned."
	case ConversationAssigned:
		return name + " was assigned a conversation."
	}
	return e.Kind.String()
}

// DeflectionText returns the product's wording of a deflection reason
// (rule EL2), for example "Queue is longer than 10 calls.".
func (e Event) DeflectionText() string {
	switch e.Deflection {
	case DeflectQueueFull:
		return "Queue is longer than " + strconv.Itoa(e.QueueLimit) + " calls."
	case DeflectNoTeammates:
		return "No teammates available."
	case DeflectWorkspaceClosed:
		return "Workspace out of office."
	case DeflectTeamClosed:
		team := e.TeamName
		if team == "" {
			team = string(e.Team)
		}
		return team + " is out of office."
	case DeflectHoldTimeout:
		return "Customer has been waiting on hold for more than " + minutes(e.HoldLimit) + " minutes."
	}
	return e.Deflection.String()
}

func (e Event) presenceText() string {
	s := e.Channel.String() + ", " + e.Status.String()
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	if e.ClientActive {
		return s + ", phone client active"
	}
	return s + ", no active phone client"
}

func minutes(d time.Duration) string {
	return strconv.FormatFloat(d.Minutes(), 'f', -1, 64)
}
