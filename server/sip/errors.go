package sip

import "errors"

// Errors returned by the gateway, to test with errors.Is.
var (
	// ErrInvalidConfig: a Config or users file that cannot work.
	ErrInvalidConfig = errors.New("sip: invalid config")
	// ErrNotRegistered: Ring for a teammate whose phone is not registered.
	// A dispatcher turns it into a connectivity decline.
	ErrNotRegistered = errors.New("sip: teammate's phone is not registered")
	// ErrUnknownCall: an effect for a call this gateway does not carry
	// (it arrived elsewhere, or before a restart).
	ErrUnknownCall = errors.New("sip: call not carried by this gateway")
	// ErrClosed: the gateway is closed or not started.
	ErrClosed = errors.New("sip: gateway is closed")
)
