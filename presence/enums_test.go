package presence

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Rule: PR1
func TestChannelValidAndTakesPhone(t *testing.T) {
	for v := range 256 {
		c := Channel(v)
		wantValid := c == ChannelAll || c == ChannelConversations || c == ChannelPhone
		assert.Equal(t, wantValid, c.Valid(), "Channel(%d).Valid", v)
		wantPhone := c == ChannelAll || c == ChannelPhone
		assert.Equal(t, wantPhone, c.TakesPhone(), "Channel(%d).TakesPhone", v)
	}
	assert.False(t, Channel(0).Valid(), "the zero value must be invalid")
}

func TestChannelString(t *testing.T) {
	assert.Equal(t, "All", ChannelAll.String())
	assert.Equal(t, "Conversations", ChannelConversations.String())
	assert.Equal(t, "Phone", ChannelPhone.String())
	assert.Equal(t, "Channel(0)", Channel(0).String())
	assert.Equal(t, "Channel(9)", Channel(9).String())
}

// Rule: PR2
func TestStatusValidAndString(t *testing.T) {
	for v := range 256 {
		s := Status(v)
		assert.Equal(t, s == Active || s == Away, s.Valid(), "Status(%d).Valid", v)
	}
	assert.Equal(t, "Active", Active.String())
	assert.Equal(t, "Away", Away.String())
	assert.Equal(t, "Status(0)", Status(0).String())
	assert.Equal(t, "Status(7)", Status(7).String())
}

func TestOtherEnumStrings(t *testing.T) {
	assert.Equal(t, "not for phone", NotForPhone.String())
	assert.Equal(t, "away", AwayStatus.String())
	assert.Equal(t, "available but with no active phone client", NoActiveClient.String())
	assert.Equal(t, "available", Available.String())
	assert.Equal(t, "Availability(0)", Availability(0).String())
	assert.Equal(t, "phone", PhoneCall.String())
	assert.Equal(t, "messenger", MessengerCall.String())
	assert.Equal(t, "CallKind(0)", CallKind(0).String())
	assert.Equal(t, "On a call", ReasonOnACall)
	assert.Equal(t, "call wrap up", ReasonWrapUp)
}

func TestChannelTextRoundTrip(t *testing.T) {
	for _, c := range []Channel{ChannelAll, ChannelConversations, ChannelPhone} {
		b, err := c.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, c.String(), string(b))
		var back Channel
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, c, back)
	}
}

func TestChannelTextErrors(t *testing.T) {
	for _, c := range []Channel{0, 4, 255} {
		b, err := c.MarshalText()
		assert.ErrorIs(t, err, ErrInvalidChannel, "MarshalText(%v)", c)
		assert.Nil(t, b)
	}
	for _, in := range []string{"", "all", "PHONE", "Phone ", "Channel(1)", "1", "Conversation"} {
		c := ChannelPhone
		err := c.UnmarshalText([]byte(in))
		assert.ErrorIs(t, err, ErrInvalidChannel, "UnmarshalText(%q)", in)
		assert.Equal(t, ChannelPhone, c, "a failed UnmarshalText(%q) changed the value", in)
	}
}

func TestStatusTextRoundTrip(t *testing.T) {
	for _, s := range []Status{Active, Away} {
		b, err := s.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, s.String(), string(b))
		var back Status
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, s, back)
	}
}

func TestStatusTextErrors(t *testing.T) {
	for _, s := range []Status{0, 3, 255} {
		b, err := s.MarshalText()
		assert.ErrorIs(t, err, ErrInvalidStatus, "MarshalText(%v)", s)
		assert.Nil(t, b)
	}
	for _, in := range []string{"", "active", "AWAY", "Away ", "Status(1)", "1"} {
		s := Away
		err := s.UnmarshalText([]byte(in))
		assert.ErrorIs(t, err, ErrInvalidStatus, "UnmarshalText(%q)", in)
		assert.Equal(t, Away, s, "a failed UnmarshalText(%q) changed the value", in)
	}
}

// The text forms are what encoding/json uses, so a host's stored presence
// reads back the same, and a zero (invalid) field refuses to encode.
func TestJSONUsesTextForms(t *testing.T) {
	type rec struct {
		Channel Channel `json:"channel"`
		Status  Status  `json:"status"`
	}
	b, err := json.Marshal(rec{ChannelPhone, Away})
	require.NoError(t, err)
	assert.JSONEq(t, `{"channel":"Phone","status":"Away"}`, string(b))

	var back rec
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, rec{ChannelPhone, Away}, back)

	_, err = json.Marshal(rec{Status: Active})
	assert.True(t, errors.Is(err, ErrInvalidChannel), "encoding a zero channel: %v", err)

	err = json.Unmarshal([]byte(`{"channel":"All","status":"Busy"}`), &back)
	assert.True(t, errors.Is(err, ErrInvalidStatus), "decoding a bad status: %v", err)
}
