// Package sip connects real SIP phones to the engine: a registrar and
// back-to-back user agent (B2BUA) on github.com/emiago/sipgo, for one
// workspace of a replica.
//
// Teammates' phones REGISTER as sip:<teammate>@<domain> with digest
// authentication, over UDP, TCP or TLS; a teammate may register several
// contacts, and while any is live the teammate's phone client is open
// (rule PR3): the last one's expiry (on the engine's clock) or
// un-REGISTER closes it. Registrations are kept in the gateway's memory, not in the
// replicated state: after a restart the gateway closes the phone clients
// the engine still shows open, and phones re-register within MaxExpires.
//
// A caller's INVITE to sip:<team>@<domain> becomes an arriving call for
// the team; the caller hears 180 Ringing while it waits. The engine's
// Ring effect sends an INVITE with the caller's SDP to the chosen
// teammate's phone; a 2xx is the answer, bridged to the caller with the
// phone's SDP (signalling only: media flows between the two ends), and a
// BYE from either side ends the call. 486 and 600 are busy declines, 603
// the Decline button, anything else a connectivity decline. The engine,
// not SIP's timers, decides when a ring is missed: its StopRinging sends
// CANCEL, and a 200 OK that crosses the CANCEL gets ACK then BYE,
// whatever the phone answers to the CANCEL.
//
// See README.md for the call flow, the mapping of SIP responses to
// engine commands, and how to point a softphone at the gateway.
package sip
