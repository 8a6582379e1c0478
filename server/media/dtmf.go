package media

import (
	"errors"
	"fmt"
)

// DefaultEventPayloadType is the RTP payload type UDPLeg uses for RFC 4733 telephone-event
// when none is configured; SIP phones and SIPp commonly offer 101.
const DefaultEventPayloadType = 101

// ErrBadDTMF is returned for a telephone-event payload shorter than its 4-byte format.
var ErrBadDTMF = errors.New("media: telephone-event payload shorter than 4 bytes")

// dtmfKeys maps RFC 4733 §3.2 event codes 0-15 to keys.
const dtmfKeys = "0123456789*#ABCD"

// DTMFDetector turns RFC 4733 telephone-event packets into key presses. A sender repeats an
// event's packets while the key is held, all with the event's RTP timestamp, and repeats the
// final packet (end bit set) three times; the detector reports each event once, on the first
// packet it sees with a new timestamp, so it reports a key even when the start or the end
// packets were lost. Events 16 and above (tones, flash) are not keys and are ignored.
//
// The zero value is ready to use. Not safe for concurrent use; it does no timing of its own.
type DTMFDetector struct {
	last    uint32
	started bool
}

// Detect feeds the RTP timestamp and payload of one telephone-event packet. It returns the key
// and true when the packet starts a new key event, 0 and false otherwise, and ErrBadDTMF (with
// the detector unchanged) for a malformed payload.
func (d *DTMFDetector) Detect(timestamp uint32, payload []byte) (byte, bool, error) {
	if len(payload) < 4 {
		return 0, false, fmt.Errorf("%w (got %d)", ErrBadDTMF, len(payload))
	}
	if d.started && timestamp == d.last {
		return 0, false, nil
	}
	d.started, d.last = true, timestamp
	if event := payload[0]; int(event) < len(dtmfKeys) {
		return dtmfKeys[event], true, nil
	}
	return 0, false, nil
}
