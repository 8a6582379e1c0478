package media

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// Direction is an SDP media direction attribute (RFC 3264 §6.1); "" means SendRecv. A phone
// putting the call on hold re-offers SendOnly (or Inactive), and SendRecv to resume.
type Direction string

// The SDP directions.
const (
	SendRecv Direction = "sendrecv"
	SendOnly Direction = "sendonly"
	RecvOnly Direction = "recvonly"
	Inactive Direction = "inactive"
)

// ErrSDP is wrapped by every ParseSDP error. A SIP gateway answers such an offer with 488 Not
// Acceptable Here.
var ErrSDP = errors.New("media: unusable SDP")

// PeerMedia is what a peer's SDP offer or answer says about its audio. A plain value.
type PeerMedia struct {
	// Addr is where to send RTP: the audio stream's c= address and m= port
	// (UDPLeg.SetRemote).
	Addr netip.AddrPort
	// Codec is the first of PCMU and PCMA in the peer's list (its order of preference).
	Codec Codec
	// EventPayloadType is the peer's RFC 4733 telephone-event payload type, 0 if it has none.
	EventPayloadType uint8
	// Direction is the stream's direction; an old-style hold (c= 0.0.0.0) is Inactive.
	Direction Direction
}

// ParseSDP reads the first active RTP/AVP audio stream of an SDP offer or answer. It returns
// an error wrapping ErrSDP when the body is not SDP, has no audio stream with a non-zero port,
// the stream is encrypted or not RTP/AVP, its address is not an IP address, or it offers
// neither PCMU nor PCMA (payload types 0 and 8). It is a pure function.
func ParseSDP(body []byte) (PeerMedia, error) {
	var s sdp.SessionDescription
	if err := s.Unmarshal(body); err != nil {
		return PeerMedia{}, fmt.Errorf("%w: %v", ErrSDP, err)
	}
	for _, m := range s.MediaDescriptions {
		if m.MediaName.Media != "audio" || m.MediaName.Port.Value == 0 {
			continue
		}
		if proto := strings.Join(m.MediaName.Protos, "/"); proto != "RTP/AVP" {
			return PeerMedia{}, fmt.Errorf("%w: audio over %s; only RTP/AVP is supported", ErrSDP, proto)
		}
		var p PeerMedia
		codecFound := false
		for _, f := range m.MediaName.Formats {
			if f == "0" || f == "8" {
				p.Codec, codecFound = Codec(f[0]-'0'), true
				break
			}
		}
		if !codecFound {
			return PeerMedia{}, fmt.Errorf("%w: audio formats %v include neither PCMU (0) nor PCMA (8)", ErrSDP, m.MediaName.Formats)
		}
		if m.MediaName.Port.Value < 0 || m.MediaName.Port.Value > 65535 {
			return PeerMedia{}, fmt.Errorf("%w: port %d", ErrSDP, m.MediaName.Port.Value)
		}
		conn := m.ConnectionInformation
		if conn == nil {
			conn = s.ConnectionInformation
		}
		if conn == nil || conn.Address == nil {
			return PeerMedia{}, fmt.Errorf("%w: the audio stream has no c= address", ErrSDP)
		}
		ip, err := netip.ParseAddr(conn.Address.Address)
		if err != nil {
			return PeerMedia{}, fmt.Errorf("%w: c= address %q is not an IP address", ErrSDP, conn.Address.Address)
		}
		p.Addr = netip.AddrPortFrom(ip.Unmap(), uint16(m.MediaName.Port.Value))
		for _, a := range m.Attributes {
			if a.Key != "rtpmap" {
				continue
			}
			pt, enc, _ := strings.Cut(a.Value, " ")
			n, err := strconv.ParseUint(pt, 10, 7)
			if err == nil && strings.EqualFold(enc, "telephone-event/8000") && slices.Contains(m.MediaName.Formats, pt) {
				p.EventPayloadType = uint8(n)
			}
		}
		p.Direction = direction(m.Attributes)
		if p.Direction == "" {
			p.Direction = direction(s.Attributes)
		}
		if p.Direction == "" {
			p.Direction = SendRecv
		}
		if ip.IsUnspecified() {
			p.Direction = Inactive
		}
		return p, nil
	}
	return PeerMedia{}, fmt.Errorf("%w: no active audio stream", ErrSDP)
}

func direction(attrs []sdp.Attribute) Direction {
	for _, a := range attrs {
		switch d := Direction(a.Key); d {
		case SendRecv, SendOnly, RecvOnly, Inactive:
			return d
		}
	}
	return ""
}

// LocalMedia describes a leg of the gateway in an SDP body it sends. A plain value.
type LocalMedia struct {
	// Addr is the leg's advertised address and port (UDPLeg.LocalAddr with the public
	// address if it is bound to all interfaces).
	Addr netip.AddrPort
	// Codecs in order of preference: the peer's PeerMedia.Codec alone in an answer, PCMU and
	// PCMA in an offer.
	Codecs []Codec
	// EventPayloadType offers RFC 4733 telephone-event (keys 0-15) with this payload type;
	// 0 leaves it out. In an answer, use the offer's.
	EventPayloadType uint8
	// Direction; "" is SendRecv.
	Direction Direction
	// SessionID and Version fill the o= line; a re-offer in the same dialog keeps the
	// SessionID and increments the Version (RFC 3264 §8).
	SessionID, Version uint64
}

// SDP renders l as an SDP body (RFC 4566) with one audio stream, ptime 20. It returns an
// error for an invalid address or codec. It is a pure function.
func (l LocalMedia) SDP() ([]byte, error) {
	if !l.Addr.IsValid() || l.Addr.Port() == 0 {
		return nil, fmt.Errorf("media: SDP address %v has no port", l.Addr)
	}
	if len(l.Codecs) == 0 {
		return nil, errors.New("media: SDP with no codec")
	}
	ip := l.Addr.Addr().Unmap()
	addrType := "IP4"
	if ip.Is6() {
		addrType = "IP6"
	}
	m := &sdp.MediaDescription{MediaName: sdp.MediaName{
		Media: "audio", Port: sdp.RangedPort{Value: int(l.Addr.Port())}, Protos: []string{"RTP", "AVP"},
	}}
	for _, c := range l.Codecs {
		if !c.Valid() {
			return nil, fmt.Errorf("media: SDP with codec %v", c)
		}
		m.MediaName.Formats = append(m.MediaName.Formats, strconv.Itoa(int(c)))
		m.WithValueAttribute("rtpmap", fmt.Sprintf("%d %s/%d", c, c, SampleRate))
	}
	if pt := l.EventPayloadType; pt != 0 {
		m.MediaName.Formats = append(m.MediaName.Formats, strconv.Itoa(int(pt)))
		m.WithValueAttribute("rtpmap", fmt.Sprintf("%d telephone-event/%d", pt, SampleRate))
		m.WithValueAttribute("fmtp", fmt.Sprintf("%d 0-15", pt))
	}
	m.WithValueAttribute("ptime", "20")
	dir := l.Direction
	if dir == "" {
		dir = SendRecv
	}
	m.WithPropertyAttribute(string(dir))
	s := sdp.SessionDescription{
		Origin: sdp.Origin{Username: "-", SessionID: l.SessionID, SessionVersion: l.Version,
			NetworkType: "IN", AddressType: addrType, UnicastAddress: ip.String()},
		SessionName:           "phonebalanced",
		ConnectionInformation: &sdp.ConnectionInformation{NetworkType: "IN", AddressType: addrType, Address: &sdp.Address{Address: ip.String()}},
		TimeDescriptions:      []sdp.TimeDescription{{}},
		MediaDescriptions:     []*sdp.MediaDescription{m},
	}
	return s.Marshal()
}
