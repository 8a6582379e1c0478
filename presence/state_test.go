package presence

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func ready() State {
	return State{Channel: ChannelAll, Status: Active, ClientOpen: true}
}

// Rule: PR1, PR2, PR3
func TestCanTakePhoneNamedCases(t *testing.T) {
	cases := []struct {
		name string
		st   State
		want bool
	}{
		{"All, Active, client in front", State{Channel: ChannelAll, Status: Active, ClientOpen: true}, true},
		{"Phone, Active, client in front", State{Channel: ChannelPhone, Status: Active, ClientOpen: true}, true},
		{"Conversations channel", State{Channel: ChannelConversations, Status: Active, ClientOpen: true}, false},         // PR1
		{"invalid channel", State{Channel: 0, Status: Active, ClientOpen: true}, false},                                  // PR1
		{"Away, own reason", State{Channel: ChannelAll, Status: Away, Reason: "Lunch", ClientOpen: true}, false},         // PR2
		{"Away, on a call", State{Channel: ChannelPhone, Status: Away, Reason: ReasonOnACall, ClientOpen: true}, false},  // PR2
		{"Away, wrap up", State{Channel: ChannelPhone, Status: Away, Reason: ReasonWrapUp, ClientOpen: true}, false},     // PR2
		{"invalid status", State{Channel: ChannelAll, Status: 0, ClientOpen: true}, false},                               // PR2
		{"client closed", State{Channel: ChannelAll, Status: Active}, false},                                             // PR3
		{"client backgrounded", State{Channel: ChannelAll, Status: Active, ClientOpen: true, Backgrounded: true}, false}, // PR3
		{"closed and backgrounded", State{Channel: ChannelPhone, Status: Active, Backgrounded: true}, false},             // PR3
		{"reassign replies has no say", State{Channel: ChannelAll, Status: Active, ClientOpen: true, ReassignReplies: true}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, c.st.CanTakePhone())
		})
	}
}

// Rule: PR1, PR2, PR3, EL3
//
// Every combination: CanTakePhone holds exactly for the Available class of
// a valid state, and the classes partition the states as EL3 counts them.
func TestCanTakePhoneTruthTable(t *testing.T) {
	for _, ch := range []Channel{0, ChannelAll, ChannelConversations, ChannelPhone} {
		for _, st := range []Status{0, Active, Away} {
			for _, open := range []bool{false, true} {
				for _, bg := range []bool{false, true} {
					s := State{Channel: ch, Status: st, ClientOpen: open, Backgrounded: bg}
					if st == Away {
						s.Reason = "Lunch"
					}
					phoneChannel := ch == ChannelAll || ch == ChannelPhone
					client := open && !bg
					name := fmt.Sprintf("%v/%v/open=%v/bg=%v", ch, st, open, bg)

					assert.Equal(t, client, s.HasActiveClient(), name)
					assert.Equal(t, phoneChannel && st == Active && client, s.CanTakePhone(), name)

					if !st.Valid() {
						// Availability classifies valid states only (the
						// engine validates every state it holds).
						continue
					}
					var want Availability
					switch {
					case st == Away:
						want = AwayStatus
					case !phoneChannel:
						want = NotForPhone
					case !client:
						want = NoActiveClient
					default:
						want = Available
					}
					assert.Equal(t, want, s.Availability(), name)
					assert.Equal(t, s.CanTakePhone(), s.Availability() == Available, name)
				}
			}
		}
	}
}

// Rule: EL3
func TestAvailabilityClasses(t *testing.T) {
	cases := []struct {
		name string
		st   State
		want Availability
	}{
		{"available", ready(), Available},
		{"phone channel available", State{Channel: ChannelPhone, Status: Active, ClientOpen: true}, Available},
		{"no client", State{Channel: ChannelAll, Status: Active}, NoActiveClient},
		{"backgrounded client", State{Channel: ChannelPhone, Status: Active, ClientOpen: true, Backgrounded: true}, NoActiveClient},
		{"away with client", State{Channel: ChannelAll, Status: Away, Reason: "Lunch", ClientOpen: true}, AwayStatus},
		{"away without client", State{Channel: ChannelAll, Status: Away, Reason: "Lunch"}, AwayStatus},
		{"away on Conversations is still away", State{Channel: ChannelConversations, Status: Away, Reason: "Lunch"}, AwayStatus},
		{"on a call is away", State{Channel: ChannelAll, Status: Away, Reason: ReasonOnACall, ClientOpen: true}, AwayStatus},
		{"active on Conversations", State{Channel: ChannelConversations, Status: Active, ClientOpen: true}, NotForPhone},
		{"active on Conversations, no client", State{Channel: ChannelConversations, Status: Active}, NotForPhone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, c.st.Availability())
		})
	}
}

// Rule: EL3
func TestCountsAdd(t *testing.T) {
	team := []State{
		ready(),
		{Channel: ChannelPhone, Status: Active, ClientOpen: true},
		{Channel: ChannelAll, Status: Active},                                       // no client
		{Channel: ChannelAll, Status: Active, ClientOpen: true, Backgrounded: true}, // no client
		{Channel: ChannelPhone, Status: Away, Reason: "Lunch"},
		{Channel: ChannelAll, Status: Away, Reason: ReasonOnACall, ClientOpen: true},
		{Channel: ChannelConversations, Status: Away, Reason: "Training"},
		{Channel: ChannelConversations, Status: Active, ClientOpen: true}, // counted nowhere
	}
	var c Counts
	for _, s := range team {
		c.Add(s.Availability(), 1)
	}
	assert.Equal(t, Counts{Away: 3, NoActiveClient: 2, Available: 2}, c)

	// A teammate moving class is a -1 and a +1.
	c.Add(Available, -1)
	c.Add(AwayStatus, 1)
	assert.Equal(t, Counts{Away: 4, NoActiveClient: 2, Available: 1}, c)

	// Classes counted nowhere, and invalid ones, change nothing.
	before := c
	c.Add(NotForPhone, 5)
	c.Add(Availability(0), 5)
	c.Add(Availability(99), 5)
	assert.Equal(t, before, c)
}

// Rule: PR4
func TestPhoneCallStartedGoesOnACall(t *testing.T) {
	for _, reassign := range []bool{false, true} {
		s := ready()
		s.ReassignReplies = reassign
		got := s.PhoneCallStarted(PhoneCall)
		assert.Equal(t, reassign, got, "reassign replies flag returned")
		assert.Equal(t, Away, s.Status)
		assert.Equal(t, ReasonOnACall, s.Reason)
		assert.False(t, s.CanTakePhone())
		assert.False(t, s.InWrapUp())
		assert.Equal(t, AwayStatus, s.Availability())
		assert.True(t, s.ReassignReplies == reassign, "the toggle itself is left alone")
		require.NoError(t, s.Validate())
	}
}

// Rule: PR4
func TestPhoneCallStartedDuringWrapUpEndsIt(t *testing.T) {
	s := ready()
	s.PhoneCallStarted(PhoneCall)
	require.True(t, s.PhoneCallEnded(t0, time.Minute))
	s.PhoneCallStarted(PhoneCall) // an outbound call placed during wrap-up
	assert.Equal(t, Away, s.Status)
	assert.Equal(t, ReasonOnACall, s.Reason)
	assert.True(t, s.WrapUpUntil.IsZero())
	assert.False(t, s.WrapUpDue(t0.Add(time.Hour)), "the old wrap-up must not fire")
	assert.Equal(t, ReasonOnACall, s.Reason)
}

// Rule: PR5
func TestMessengerCallChangesNothing(t *testing.T) {
	for _, s := range []State{
		{Channel: ChannelAll, Status: Active, ClientOpen: true, ReassignReplies: true},
		{Channel: ChannelPhone, Status: Away, Reason: "Lunch", ReassignReplies: true},
	} {
		before := s
		assert.False(t, s.PhoneCallStarted(MessengerCall), "no reassign for a Messenger call")
		assert.Equal(t, before, s)
		// Its end changes nothing either.
		assert.False(t, s.PhoneCallEnded(t0, time.Minute))
		assert.Equal(t, before, s)
	}
}

// Rule: PR6
func TestPhoneCallEndedWithWrapUp(t *testing.T) {
	s := ready()
	s.PhoneCallStarted(PhoneCall)
	end := t0.Add(3 * time.Minute)
	require.True(t, s.PhoneCallEnded(end, 30*time.Second))
	assert.Equal(t, Away, s.Status)
	assert.Equal(t, ReasonWrapUp, s.Reason)
	assert.Equal(t, end.Add(30*time.Second), s.WrapUpUntil)
	assert.True(t, s.InWrapUp())
	assert.False(t, s.CanTakePhone())
	assert.Equal(t, AwayStatus, s.Availability())
	require.NoError(t, s.Validate())
}

// Rule: PR6
func TestPhoneCallEndedWithoutWrapUp(t *testing.T) {
	for _, wrap := range []time.Duration{0, -time.Second} {
		s := ready()
		s.PhoneCallStarted(PhoneCall)
		assert.False(t, s.PhoneCallEnded(t0, wrap), "wrap-up %v", wrap)
		assert.Equal(t, ready(), s, "wrap-up %v: Active again at once", wrap)
		assert.True(t, s.CanTakePhone())
	}
}

// Rule: PR6
func TestPhoneCallEndedKeepsStatusChosenDuringCall(t *testing.T) {
	t.Run("another away reason", func(t *testing.T) {
		s := ready()
		s.PhoneCallStarted(PhoneCall)
		require.NoError(t, s.SetAway("Lunch"))
		assert.False(t, s.PhoneCallEnded(t0, time.Minute))
		assert.Equal(t, Away, s.Status)
		assert.Equal(t, "Lunch", s.Reason)
		assert.True(t, s.WrapUpUntil.IsZero())
		assert.False(t, s.WrapUpDue(t0.Add(time.Hour)), "no wrap-up to end")
		assert.Equal(t, "Lunch", s.Reason)
	})
	t.Run("active", func(t *testing.T) {
		s := ready()
		s.PhoneCallStarted(PhoneCall)
		s.SetActive()
		assert.False(t, s.PhoneCallEnded(t0, time.Minute))
		assert.Equal(t, ready(), s)
	})
}

// Rule: PR6
func TestWrapUpDue(t *testing.T) {
	start := func() State {
		s := ready()
		s.PhoneCallStarted(PhoneCall)
		s.PhoneCallEnded(t0, time.Minute)
		return s
	}
	until := t0.Add(time.Minute)

	s := start()
	assert.False(t, s.WrapUpDue(until.Add(-time.Nanosecond)), "before")
	assert.True(t, s.InWrapUp())
	assert.Equal(t, ReasonWrapUp, s.Reason)

	s = start()
	assert.True(t, s.WrapUpDue(until), "at")
	assert.Equal(t, ready(), s, "Active again on its own")
	assert.False(t, s.WrapUpDue(until), "only once")

	s = start()
	assert.True(t, s.WrapUpDue(until.Add(time.Hour)), "after")
	assert.Equal(t, ready(), s)

	// Not in wrap-up: nothing to do, nothing changed.
	for _, st := range []State{
		ready(),
		{Channel: ChannelAll, Status: Away, Reason: "Lunch", ClientOpen: true},
		{Channel: ChannelAll, Status: Away, Reason: ReasonOnACall, ClientOpen: true},
	} {
		before := st
		assert.False(t, st.WrapUpDue(t0.Add(time.Hour)))
		assert.Equal(t, before, st)
	}
}

// Rule: PR6
func TestSwitchToActiveEndsWrapUpEarly(t *testing.T) {
	s := ready()
	s.PhoneCallStarted(PhoneCall)
	require.True(t, s.PhoneCallEnded(t0, 5*time.Minute))
	s.SetActive() // "Switch to active"
	assert.Equal(t, ready(), s)
	assert.False(t, s.InWrapUp())
	assert.True(t, s.CanTakePhone())
	assert.False(t, s.WrapUpDue(t0.Add(time.Hour)), "the ended wrap-up must not fire later")
}

// Rule: PR2, PR6
func TestSetAwayDuringWrapUpEndsWrapUp(t *testing.T) {
	s := ready()
	s.PhoneCallStarted(PhoneCall)
	require.True(t, s.PhoneCallEnded(t0, time.Minute))
	require.NoError(t, s.SetAway("Lunch"))
	assert.False(t, s.InWrapUp())
	assert.True(t, s.WrapUpUntil.IsZero())
	assert.False(t, s.WrapUpDue(t0.Add(time.Hour)), "a teammate gone to lunch is not made Active by wrap-up")
	assert.Equal(t, Away, s.Status)
	assert.Equal(t, "Lunch", s.Reason)
}

// Rule: PR2
func TestSetAway(t *testing.T) {
	s := ready()
	require.NoError(t, s.SetAway("Training"))
	assert.Equal(t, Away, s.Status)
	assert.Equal(t, "Training", s.Reason)
	assert.False(t, s.CanTakePhone())
	require.NoError(t, s.Validate())
}

// Rule: PR2
func TestSetAwayEmptyReasonChangesNothing(t *testing.T) {
	wrapping := ready()
	wrapping.PhoneCallStarted(PhoneCall)
	wrapping.PhoneCallEnded(t0, time.Minute)
	for _, s := range []State{
		ready(),
		{Channel: ChannelPhone, Status: Away, Reason: "Lunch", ClientOpen: true},
		wrapping,
	} {
		before := s
		err := s.SetAway("")
		assert.ErrorIs(t, err, ErrMissingReason)
		assert.Equal(t, before, s)
	}
}

func TestSetActive(t *testing.T) {
	s := State{Channel: ChannelPhone, Status: Away, Reason: "Lunch", ClientOpen: true}
	s.SetActive()
	assert.Equal(t, State{Channel: ChannelPhone, Status: Active, ClientOpen: true}, s)
	require.NoError(t, s.Validate())
}

func TestValidate(t *testing.T) {
	ok := []State{
		ready(),
		{Channel: ChannelConversations, Status: Active},
		{Channel: ChannelPhone, Status: Away, Reason: "Lunch"},
		{Channel: ChannelAll, Status: Away, Reason: ReasonOnACall},
		{Channel: ChannelAll, Status: Away, Reason: ReasonWrapUp, WrapUpUntil: t0},
	}
	for _, s := range ok {
		assert.NoError(t, s.Validate(), "%+v", s)
	}
	bad := []struct {
		name string
		st   State
		err  error
		msg  string
	}{
		{"zero value", State{}, ErrInvalidChannel, "Channel(0)"},
		{"unknown channel", State{Channel: 9, Status: Active}, ErrInvalidChannel, "Channel(9)"},
		{"zero status", State{Channel: ChannelAll}, ErrInvalidStatus, "Status(0)"},
		{"unknown status", State{Channel: ChannelAll, Status: 5}, ErrInvalidStatus, "Status(5)"},
		{"away without reason", State{Channel: ChannelAll, Status: Away}, ErrMissingReason, ""},
		{"active with a reason", State{Channel: ChannelAll, Status: Active, Reason: "Lunch"}, ErrInvalidStatus, `"Lunch"`},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			err := c.st.Validate()
			require.ErrorIs(t, err, c.err)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
}
