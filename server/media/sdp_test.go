package media

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// A SIPp-style offer: PCMA preferred, PCMU second, telephone-event on 101.
const sippOffer = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
	"m=audio 6000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"

func TestParseSDP(t *testing.T) {
	p, err := ParseSDP([]byte(sippOffer))
	if err != nil {
		t.Fatal(err)
	}
	want := PeerMedia{Addr: netip.MustParseAddrPort("127.0.0.1:6000"), Codec: PCMA, EventPayloadType: 101, Direction: SendRecv}
	if p != want {
		t.Fatalf("ParseSDP = %+v, want %+v", p, want)
	}
	hold := strings.Replace(sippOffer, "m=audio 6000 RTP/AVP 8 0 101\r\n", "m=audio 6000 RTP/AVP 0\r\nc=IN IP4 10.0.0.9\r\n", 1) + "a=sendonly\r\n"
	if p, err := ParseSDP([]byte(hold)); err != nil || p.Direction != SendOnly || p.Codec != PCMU ||
		p.Addr != netip.MustParseAddrPort("10.0.0.9:6000") || p.EventPayloadType != 0 {
		t.Fatalf("hold offer: %+v %v (want media-level c=, sendonly, PCMU, no events)", p, err)
	}
	old := strings.Replace(sippOffer, "c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0", 1)
	if p, err := ParseSDP([]byte(old)); err != nil || p.Direction != Inactive {
		t.Fatalf("c=0.0.0.0 hold: %+v %v", p, err)
	}
}

func TestParseSDPRefuses(t *testing.T) {
	cases := map[string]string{
		"garbage":      "this is not sdp",
		"empty":        "",
		"video only":   strings.Replace(sippOffer, "m=audio", "m=video", 1),
		"port 0":       strings.Replace(sippOffer, "m=audio 6000", "m=audio 0", 1),
		"G.729 only":   strings.Replace(sippOffer, "RTP/AVP 8 0 101", "RTP/AVP 18 101", 1),
		"SRTP":         strings.Replace(sippOffer, "RTP/AVP", "RTP/SAVP", 1),
		"no address":   strings.Replace(sippOffer, "c=IN IP4 127.0.0.1\r\n", "", 1),
		"host address": strings.Replace(sippOffer, "c=IN IP4 127.0.0.1", "c=IN IP4 pbx.example.com", 1),
	}
	for name, body := range cases {
		if p, err := ParseSDP([]byte(body)); !errors.Is(err, ErrSDP) {
			t.Errorf("%s: %+v, %v; want ErrSDP", name, p, err)
		}
	}
}

// TestLocalMediaSDPRoundTrip: what the gateway offers parses back to the same stream.
func TestLocalMediaSDPRoundTrip(t *testing.T) {
	l := LocalMedia{Addr: netip.MustParseAddrPort("192.0.2.7:40000"), Codecs: []Codec{PCMU, PCMA},
		EventPayloadType: 101, Direction: SendOnly, SessionID: 42, Version: 2}
	body, err := l.SDP()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"o=- 42 2 IN IP4 192.0.2.7", "m=audio 40000 RTP/AVP 0 8 101", "a=fmtp:101 0-15", "a=ptime:20"} {
		if !strings.Contains(string(body), line+"\r\n") {
			t.Errorf("SDP lacks %q:\n%s", line, body)
		}
	}
	p, err := ParseSDP(body)
	want := PeerMedia{Addr: l.Addr, Codec: PCMU, EventPayloadType: 101, Direction: SendOnly}
	if err != nil || p != want {
		t.Fatalf("round trip: %+v %v, want %+v", p, err, want)
	}
	v6, err := LocalMedia{Addr: netip.MustParseAddrPort("[2001:db8::1]:5004"), Codecs: []Codec{PCMA}}.SDP()
	if err != nil || !strings.Contains(string(v6), "c=IN IP6 2001:db8::1\r\n") || !strings.Contains(string(v6), "a=sendrecv\r\n") {
		t.Fatalf("IPv6 answer: %v\n%s", err, v6)
	}
	for _, bad := range []LocalMedia{{Codecs: []Codec{PCMU}}, {Addr: l.Addr}, {Addr: l.Addr, Codecs: []Codec{18}}} {
		if _, err := bad.SDP(); err == nil {
			t.Errorf("%+v rendered", bad)
		}
	}
}
