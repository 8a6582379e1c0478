package presence

import "strconv"

// Channel is a teammate's channel availability (rule PR1). The zero value is
// invalid, so a forgotten field is caught rather than read as a choice.
type Channel uint8

const (
	// ChannelAll takes every conversation and phone calls.
	ChannelAll Channel = iota + 1
	// ChannelConversations takes chat, email, messaging and so on, but no
	// phone calls.
	ChannelConversations
	// ChannelPhone takes inbound phone calls only.
	ChannelPhone
)

// Valid reports whether c is one of the declared channels.
func (c Channel) Valid() bool { return c >= ChannelAll && c <= ChannelPhone }

// TakesPhone reports whether a teammate on this channel may be offered phone
// calls: only All and Phone do (rule PR1).
func (c Channel) TakesPhone() bool { return c == ChannelAll || c == ChannelPhone }

// String returns the product's name for the channel.
func (c Channel) String() string {
	switch c {
	case ChannelAll:
		return "All"
	case ChannelConversations:
		return "Conversations"
	case ChannelPhone:
		return "Phone"
	}
	return "Channel(" + strconv.Itoa(int(c)) + ")"
}

// Status is a teammate's Active or Away status (rule PR2). The zero value is
// invalid.
type Status uint8

const (
	// Active teammates can be offered calls if everything else allows it.
	Active Status = iota + 1
	// Away teammates are never offered calls. An away status carries a reason.
	Away
)

// Valid reports whether s is Active or Away.
func (s Status) Valid() bool { return s == Active || s == Away }

// String returns "Active", "Away" or "Status(n)".
func (s Status) String() string {
	switch s {
	case Active:
		return "Active"
	case Away:
		return "Away"
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// The away reasons the library sets on its own. Any other non-empty string is
// a reason chosen by the teammate or the host.
const (
	// ReasonOnACall is set when a teammate answers or places a phone call
	// (rule PR4).
	ReasonOnACall = "On a call"
	// ReasonWrapUp is set while a teammate has wrap-up time after a phone
	// call (rule PR6).
	ReasonWrapUp = "call wrap up"
)

// Availability classifies a teammate for the team-composition counts
// (rule EL3) and the live dashboard.
type Availability uint8

const (
	// NotForPhone: Active on the Conversations channel; counted nowhere.
	NotForPhone Availability = iota + 1
	// AwayStatus: status Away, whatever the reason or channel.
	AwayStatus
	// NoActiveClient: Active and on a phone channel, but the phone client is
	// closed or backgrounded (rule PR3).
	NoActiveClient
	// Available: Active, on a phone channel, with an active phone client.
	Available
)

// String names the class as the event log's team composition entries do.
func (a Availability) String() string {
	switch a {
	case NotForPhone:
		return "not for phone"
	case AwayStatus:
		return "away"
	case NoActiveClient:
		return "available but with no active phone client"
	case Available:
		return "available"
	}
	return "Availability(" + strconv.Itoa(int(a)) + ")"
}

// CallKind tells phone calls from Messenger web/video calls, which leave
// status alone (rule PR5).
type CallKind uint8

const (
	// PhoneCall is a phone call, inbound or outbound.
	PhoneCall CallKind = iota + 1
	// MessengerCall is a Messenger web or video call.
	MessengerCall
)

// String returns "phone" or "messenger".
func (k CallKind) String() string {
	switch k {
	case PhoneCall:
		return "phone"
	case MessengerCall:
		return "messenger"
	}
	return "CallKind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText encodes the channel by its product name.
func (c Channel) MarshalText() ([]byte, error) {
	if !c.Valid() {
		return nil, ErrInvalidChannel
	}
	return []byte(c.String()), nil
}

// UnmarshalText decodes "All", "Conversations" or "Phone".
func (c *Channel) UnmarshalText(b []byte) error {
	for v := ChannelAll; v <= ChannelPhone; v++ {
		if v.String() == string(b) {
			*c = v
			return nil
		}
	}
	return ErrInvalidChannel
}

// MarshalText encodes the status as "Active" or "Away".
func (s Status) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, ErrInvalidStatus
	}
	return []byte(s.String()), nil
}

// UnmarshalText decodes "Active" or "Away".
func (s *Status) UnmarshalText(b []byte) error {
	switch string(b) {
	case "Active":
		*s = Active
	case "Away":
		*s = Away
	default:
		return ErrInvalidStatus
	}
	return nil
}
