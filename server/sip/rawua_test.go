package sip

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	siplib "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// ua is a SIP user agent played by the test over a loopback UDP socket,
// with sipgo's parser: a phone or a caller whose every message the test
// writes, so it can misbehave on purpose (answer after a CANCEL).
type ua struct {
	t    *testing.T
	conn *net.UDPConn
	gw   *net.UDPAddr
	in   chan siplib.Message
	user string
	tag  string

	callID string // of the last INVITE sent
}

func newUA(t *testing.T, e *env, user string) *ua {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	u := &ua{t: t, conn: conn, gw: net.UDPAddrFromAddrPort(e.gw.Addr()), in: make(chan siplib.Message, 64),
		user: user, tag: newID(4)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65535)
		for {
			n, from, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			msg, err := siplib.ParseMessage(append([]byte(nil), buf[:n]...))
			if err != nil {
				continue
			}
			msg.SetSource(from.String()) // where it came from, for the tests that check it
			select {
			case u.in <- msg:
			default: // a test that stopped reading: drop
			}
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-done
	})
	return u
}

func (u *ua) addr() string { return u.conn.LocalAddr().String() }

func (u *ua) send(msg string) {
	u.t.Helper()
	msg = strings.ReplaceAll(strings.TrimLeft(msg, "\n"), "\n", "\r\n")
	if _, err := u.conn.WriteToUDP([]byte(msg), u.gw); err != nil {
		u.t.Fatal(err)
	}
}

func (u *ua) sendMsg(m siplib.Message) {
	u.t.Helper()
	if _, err := u.conn.WriteToUDP([]byte(m.String()), u.gw); err != nil {
		u.t.Fatal(err)
	}
}

// next returns the next message that match accepts, skipping others
// (retransmissions, provisional responses); it fails after waitLimit.
func (u *ua) next(what string, match func(siplib.Message) bool) siplib.Message {
	u.t.Helper()
	limit := time.NewTimer(waitLimit)
	defer limit.Stop()
	for {
		select {
		case m := <-u.in:
			if match(m) {
				return m
			}
		case <-limit.C:
			u.t.Fatalf("%s: timed out waiting for %s", u.user, what)
		}
	}
}

func (u *ua) request(method siplib.RequestMethod) *siplib.Request {
	u.t.Helper()
	return u.next(string(method), func(m siplib.Message) bool {
		r, ok := m.(*siplib.Request)
		return ok && r.Method == method
	}).(*siplib.Request)
}

func (u *ua) response(method siplib.RequestMethod, code int) *siplib.Response {
	u.t.Helper()
	return u.next(fmt.Sprintf("%d to %s", code, method), func(m siplib.Message) bool {
		r, ok := m.(*siplib.Response)
		return ok && r.StatusCode == code && r.CSeq() != nil && r.CSeq().MethodName == method
	}).(*siplib.Response)
}

// finalResponse returns the next final response to method.
func (u *ua) finalResponse(method siplib.RequestMethod) *siplib.Response {
	u.t.Helper()
	return u.next("final response to "+string(method), func(m siplib.Message) bool {
		r, ok := m.(*siplib.Response)
		return ok && r.StatusCode >= 200 && r.CSeq() != nil && r.CSeq().MethodName == method
	}).(*siplib.Response)
}

// reply answers req with code, as the phone, with its To tag.
func (u *ua) reply(req *siplib.Request, code int, reason string, body []byte) {
	u.t.Helper()
	res := siplib.NewResponseFromRequest(req, code, reason, body)
	if _, tagged := req.To().Params.Get("tag"); !tagged && code > 100 {
		res.To().Params.Add("tag", u.tag) // the same tag on every response, not sipgo's random one
	}
	if len(body) > 0 {
		res.AppendHeader(siplib.NewHeader("Content-Type", "application/sdp"))
	}
	if code >= 180 && code < 300 {
		res.AppendHeader(&siplib.ContactHeader{Address: siplib.Uri{Scheme: "sip", User: u.user, Host: "127.0.0.1",
			Port: u.conn.LocalAddr().(*net.UDPAddr).Port}})
	}
	u.sendMsg(res)
}

// register registers u as sip:<user>@<domain> for expires seconds,
// answering the digest challenge with password, and returns the final
// response's status code.
func (u *ua) register(password string, expires int) int {
	u.t.Helper()
	return u.registerContact(password, "<sip:"+u.user+"@"+u.addr()+">", expires)
}

// registerContact is register with the Contact header's value given
// ("*" to remove every binding).
func (u *ua) registerContact(password, contact string, expires int) int {
	u.t.Helper()
	res, _ := u.registerRaw(password, contact, expires)
	return res.StatusCode
}

// registerRaw is registerContact returning the final response and the
// authenticated REGISTER it answers (for a replay). With no password it
// returns the challenge.
func (u *ua) registerRaw(password, contact string, expires int) (*siplib.Response, string) {
	u.t.Helper()
	callID := "reg-" + newID(6)
	msg := func(cseq int, auth string) string {
		return fmt.Sprintf(`
REGISTER sip:%[1]s SIP/2.0
Via: SIP/2.0/UDP %[2]s;branch=z9hG4bK%[3]s
Max-Forwards: 70
From: <sip:%[4]s@%[1]s>;tag=%[5]s
To: <sip:%[4]s@%[1]s>
Call-ID: %[6]s
CSeq: %[7]d REGISTER
Contact: %[10]s
%[8]sExpires: %[9]d
Content-Length: 0

`, testDomain, u.addr(), newID(6), u.user, u.tag, callID, cseq, auth, expires, contact)
	}
	u.send(msg(1, ""))
	res := u.finalResponse(siplib.REGISTER)
	if res.StatusCode != 401 || password == "" {
		return res, "" // no password: the challenge
	}
	chal, err := digest.ParseChallenge(res.GetHeader("WWW-Authenticate").Value())
	if err != nil {
		u.t.Fatal(err)
	}
	cred, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:" + testDomain,
		Username: u.user, Password: password})
	if err != nil {
		u.t.Fatal(err)
	}
	authed := msg(2, "Authorization: "+cred.String()+"\n")
	u.send(authed)
	return u.finalResponse(siplib.REGISTER), authed
}

// invite places a call from u to sip:<team>@<domain> and returns the
// INVITE's branch, for a later CANCEL.
func (u *ua) invite(team, callID string) string {
	u.t.Helper()
	return u.inviteWith(team, callID, "")
}

// inviteWith is invite with extra header lines.
func (u *ua) inviteWith(team, callID, extra string) string {
	u.t.Helper()
	branch := "z9hG4bK" + newID(6)
	u.callID = callID
	sdp := "v=0\r\no=customer 1 1 IN IP4 127.0.0.1\r\ns=phonebalance-caller\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n"
	u.send(fmt.Sprintf(`
INVITE sip:%[1]s@%[2]s SIP/2.0
Via: SIP/2.0/UDP %[3]s;branch=%[4]s
Max-Forwards: 70
From: "Customer" <sip:%[5]s@%[3]s>;tag=%[6]s
To: <sip:%[1]s@%[2]s>
Call-ID: %[7]s
CSeq: 1 INVITE
Contact: <sip:%[5]s@%[3]s>
%[9]sContent-Type: application/sdp
Content-Length: %[8]d

`, team, testDomain, u.addr(), branch, u.user, u.tag, callID, len(sdp), extra) + strings.ReplaceAll(sdp, "\r\n", "\n"))
	return branch
}

// cancel cancels the INVITE sent with branch, and acknowledges its 487.
func (u *ua) cancel(team, callID, branch string) {
	u.t.Helper()
	u.send(fmt.Sprintf(`
CANCEL sip:%[1]s@%[2]s SIP/2.0
Via: SIP/2.0/UDP %[3]s;branch=%[4]s
Max-Forwards: 70
From: "Customer" <sip:%[5]s@%[3]s>;tag=%[6]s
To: <sip:%[1]s@%[2]s>
Call-ID: %[7]s
CSeq: 1 CANCEL
Content-Length: 0

`, team, testDomain, u.addr(), branch, u.user, u.tag, callID))
	u.response(siplib.CANCEL, 200)
	res := u.response(siplib.INVITE, 487)
	u.send(fmt.Sprintf(`
ACK sip:%[1]s@%[2]s SIP/2.0
Via: SIP/2.0/UDP %[3]s;branch=%[4]s
Max-Forwards: 70
From: "Customer" <sip:%[5]s@%[3]s>;tag=%[6]s
%[8]s
Call-ID: %[7]s
CSeq: 1 ACK
Content-Length: 0

`, team, testDomain, u.addr(), branch, u.user, u.tag, callID, res.To().String()))
}

func (u *ua) lastCallID() string { return u.callID }

// inDialog sends, as the caller, request method with CSeq seq in the
// dialog that u's INVITE and its 2xx res set up: a new transaction to
// target, carrying body (SDP) unless it is empty.
func (u *ua) inDialog(method, target string, seq int, res *siplib.Response, body string) {
	u.t.Helper()
	ct := ""
	if body != "" {
		ct = "Content-Type: application/sdp\n"
	}
	u.send(fmt.Sprintf(`
%[1]s %[2]s SIP/2.0
Via: SIP/2.0/UDP %[3]s;branch=z9hG4bK%[4]s
Max-Forwards: 70
%[5]s
%[6]s
Call-ID: %[7]s
CSeq: %[8]d %[1]s
%[9]sContent-Length: %[10]d

`, method, target, u.addr(), newID(6), res.From().String(), res.To().String(), res.CallID().Value(), seq, ct,
		len(strings.ReplaceAll(body, "\n", "\r\n"))) + body) // send ends every line with CRLF
}

// ackTo acknowledges a 2xx to u's INVITE: a new transaction to the
// answerer's Contact.
func (u *ua) ackTo(res *siplib.Response) {
	u.t.Helper()
	u.inDialog("ACK", res.Contact().Address.String(), 1, res, "")
}

// byeTo hangs up, as the caller, the dialog that u's INVITE and its 2xx
// res set up: a BYE to the answerer's Contact.
func (u *ua) byeTo(res *siplib.Response) {
	u.t.Helper()
	u.inDialog("BYE", res.Contact().Address.String(), 2, res, "")
}

// ackFor is the ACK of a non-2xx final response to u's INVITE: part of
// the INVITE's transaction, with its Via.
func ackFor(u *ua, res *siplib.Response) string {
	return fmt.Sprintf(`
ACK sip:x@%[1]s SIP/2.0
%[2]s
Max-Forwards: 70
%[3]s
%[4]s
Call-ID: %[5]s
CSeq: 1 ACK
Content-Length: 0

`, testDomain, res.Via().String(), res.From().String(), res.To().String(), res.CallID().Value())
}

// bye hangs up, as the phone, the dialog inv started.
func (u *ua) bye(inv *siplib.Request) {
	u.t.Helper()
	u.send(fmt.Sprintf(`
BYE %[1]s SIP/2.0
Via: SIP/2.0/UDP %[2]s;branch=z9hG4bK%[3]s
Max-Forwards: 70
From: %[4]s;tag=%[5]s
To: %[6]s
Call-ID: %[7]s
CSeq: 1 BYE
Content-Length: 0

`, inv.Contact().Address.String(), u.addr(), newID(6), inv.To().Value(), u.tag, inv.From().Value(), inv.CallID().Value()))
}
