package phonebalance

import (
	"fmt"
	"strconv"
)

// TeammateID identifies a teammate within one workspace. The library
// treats it as an opaque key; it also breaks ties in longest-idle order
// (rule AS3), so two teammates never compare equal.
type TeammateID string

// TeamID identifies a team (an inbox a call can be queued for).
type TeamID string

// CallID identifies one phone call for its whole life, across every
// queue segment, transfer and offer.
type CallID string

// Direction says who placed a call.
type Direction uint8

const (
	// Inbound calls are placed by a customer and routed to a team.
	Inbound Direction = iota + 1
	// Outbound calls are placed by a teammate to a customer.
	Outbound
)

// String returns "inbound", "outbound" or "Direction(n)".
func (d Direction) String() string {
	switch d {
	case Inbound:
		return "inbound"
	case Outbound:
		return "outbound"
	}
	return "Direction(" + strconv.Itoa(int(d)) + ")"
}

// Valid reports whether d is one of the declared directions.
func (d Direction) Valid() bool { return d == Inbound || d == Outbound }

// MarshalText encodes the direction as "inbound" or "outbound".
func (d Direction) MarshalText() ([]byte, error) {
	if !d.Valid() {
		return nil, fmt.Errorf("phonebalance: invalid direction %d", uint8(d))
	}
	return []byte(d.String()), nil
}

// UnmarshalText decodes "inbound" or "outbound".
func (d *Direction) UnmarshalText(b []byte) error {
	switch string(b) {
	case "inbound":
		*d = Inbound
	case "outbound":
		*d = Outbound
	default:
		return fmt.Errorf("phonebalance: invalid direction %q", b)
	}
	return nil
}
