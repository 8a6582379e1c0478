package sip

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/benbjohnson/clock"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/replica"
)

// Config configures a [Gateway]. Listen, Domain, Users and Node are
// required; every other field has a default.
type Config struct {
	// Listen is the UDP address the gateway binds (always; see ListenTCP
	// and ListenTLS for the others), such as "0.0.0.0:5060",
	// or "127.0.0.1:0" in tests (a free port; see [Gateway.Addr]).
	Listen string
	// ListenTCP, if set, is a TCP address the gateway also serves SIP on
	// (RFC 3261 §18), such as "0.0.0.0:5060".
	ListenTCP string
	// ListenTLS, if set, is a TCP address the gateway serves SIP over TLS
	// on (RFC 3261 §26.2), such as "0.0.0.0:5061", with TLS.
	ListenTLS string
	// TLS is the server configuration of the TLS listener, with its
	// certificate; required with ListenTLS.
	TLS *tls.Config
	// Advertise is the host:port the gateway puts in its Contact and Via
	// headers, what phones and callers send their requests to. Default:
	// the bound address, which must then not be unspecified (0.0.0.0).
	// The TCP and TLS listeners are advertised on its host, with their
	// bound ports.
	Advertise string
	// Domain is the SIP domain: teammates register as
	// sip:<teammate ID>@Domain and callers dial sip:<team ID>@Domain. A
	// request whose URI host is neither Domain nor the advertised host is
	// refused with 404. It is also the digest realm.
	Domain string
	// Users are the teammates allowed to register and their digest
	// passwords; see [ParseUsers] for the file format. A registration for
	// anyone else is refused with 403.
	Users map[pb.TeammateID]string
	// Callers are the source networks allowed to place calls to teams
	// without authentication: the trunk or SBC in front of the gateway.
	// A call from elsewhere must authenticate as one of Users (digest,
	// 407 challenge), as a teammate's phone calling a team does; else it
	// is refused with 403. Default: loopback only.
	Callers []netip.Prefix
	// VoicemailURI, if set, is where a deflected caller is redirected
	// (302 Moved Temporarily with this Contact), such as
	// "sip:voicemail@pbx.example.com". Unset, a deflected call is
	// refused with a final response naming the reason.
	VoicemailURI string
	// Media, if set, makes the gateway carry the calls' audio: queued
	// callers are answered with hold music and announcements, the
	// answered phone's audio is relayed through the gateway, and
	// voicemail and callbacks are offered (see [MediaConfig]). Nil: the
	// gateway relays signalling only and callers hear ringing while they
	// wait.
	Media *MediaConfig
	// OtherClient, if set, reports whether a teammate's phone client is
	// open elsewhere than SIP (the inbox page, say). A Ring for a
	// teammate with no SIP registration for whom it reports true is left
	// to that client: Execute returns nil and the gateway rings nothing
	// (the engine's ring shows in the other client, whose Answer answers
	// the engine; the audio then comes through [Gateway.CallerAudio]).
	// A teammate with a registration rings on the SIP phone. Meant with
	// Media: without it the caller of a call answered in the other
	// client is never answered by the gateway (it hears ringing). Nil: every
	// teammate's phone is SIP. Called on effect and call goroutines: it
	// must be safe for concurrent use and return quickly.
	OtherClient func(pb.TeammateID) bool

	// Node is the replica the gateway submits its commands to (SetClient,
	// Arrive, Answer, Decline, Voicemail, EndCall). Its effects reach the
	// gateway through the server's telephony dispatcher, which calls
	// [Gateway.Execute] and [Gateway.Reconcile].
	Node *replica.Node
	// Workspace is the workspace the gateway serves.
	Workspace replica.WorkspaceID
	// Clock is the engine's clock, the one given to the replica: it
	// times registrations out and dates digest nonces. Nil means the real
	// clock.
	Clock clock.Clock
	// Logger receives the gateway's warnings and errors; nil means
	// slog.Default().
	Logger *slog.Logger

	// DefaultExpires is a registration's lifetime when the phone asks for
	// none. Default 300 s.
	DefaultExpires time.Duration
	// MinExpires is the shortest registration accepted; shorter is
	// refused with 423 Interval Too Brief. Default 60 s.
	MinExpires time.Duration
	// MaxExpires caps a registration's lifetime; a phone asking for more
	// gets MaxExpires. It bounds how long a phone that vanished stays
	// "client open", and how long a phone takes to be re-learned after a
	// restart. Default 600 s.
	MaxExpires time.Duration
	// MaxCalls bounds the calls the gateway handles at once; more are
	// refused with 503. Default 1000.
	MaxCalls int
	// MaxBody bounds a request's SDP body, in bytes; larger is refused
	// with 413. Default 16 KiB.
	MaxBody int
	// CommandTimeout bounds each command sent to the replica. Default 5 s.
	CommandTimeout time.Duration
	// MaxNonces bounds the digest nonces the gateway remembers (each
	// challenge issues one; see the README's nonce policy). Beyond it the
	// oldest are forgotten, and a client answering one of those is
	// challenged again with stale=true. Default 16384 (about 2 MB).
	MaxNonces int
}

func (c *Config) fill() error {
	switch {
	case c.Listen == "":
		return fmt.Errorf("%w: Listen is required", ErrInvalidConfig)
	case c.Domain == "" || strings.ContainsAny(c.Domain, " \t\r\n<>\";@:"):
		return fmt.Errorf("%w: Domain %q must be a host name", ErrInvalidConfig, c.Domain)
	case len(c.Users) == 0:
		return fmt.Errorf("%w: Users is empty", ErrInvalidConfig)
	case c.Node == nil:
		return fmt.Errorf("%w: Node is required", ErrInvalidConfig)
	case c.Workspace == "":
		return fmt.Errorf("%w: Workspace is required", ErrInvalidConfig)
	case c.ListenTLS != "" && (c.TLS == nil || len(c.TLS.Certificates) == 0 && c.TLS.GetCertificate == nil):
		return fmt.Errorf("%w: ListenTLS needs TLS with a certificate", ErrInvalidConfig)
	}
	for id, pw := range c.Users {
		if err := checkUser(string(id), pw); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
	}
	if c.VoicemailURI != "" {
		if err := checkURI(c.VoicemailURI); err != nil {
			return fmt.Errorf("%w: VoicemailURI: %w", ErrInvalidConfig, err)
		}
	}
	if c.Callers == nil {
		c.Callers = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	if c.Clock == nil {
		c.Clock = clock.New()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.DefaultExpires == 0 {
		c.DefaultExpires = 300 * time.Second
	}
	if c.MinExpires == 0 {
		c.MinExpires = 60 * time.Second
	}
	if c.MaxExpires == 0 {
		c.MaxExpires = 600 * time.Second
	}
	if c.MinExpires < time.Second || c.MaxExpires < c.MinExpires ||
		c.DefaultExpires < c.MinExpires || c.DefaultExpires > c.MaxExpires {
		return fmt.Errorf("%w: need 1 s <= MinExpires <= DefaultExpires <= MaxExpires", ErrInvalidConfig)
	}
	if c.MaxCalls == 0 {
		c.MaxCalls = 1000
	}
	if c.MaxBody == 0 {
		c.MaxBody = 16 << 10
	}
	if c.CommandTimeout == 0 {
		c.CommandTimeout = 5 * time.Second
	}
	if c.MaxNonces == 0 {
		c.MaxNonces = 16384
	}
	if c.MaxCalls < 0 || c.MaxBody < 0 || c.CommandTimeout < 0 || c.MaxNonces < 0 {
		return fmt.Errorf("%w: MaxCalls, MaxBody, CommandTimeout and MaxNonces must not be negative", ErrInvalidConfig)
	}
	return nil
}

// checkUser accepts a teammate ID usable as a SIP user part and a
// non-empty password without line breaks.
func checkUser(id, pw string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("teammate ID %q must be 1 to 64 characters", id)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.!~*'+", r)) {
			return fmt.Errorf("teammate ID %q has %q, not allowed in a SIP user part", id, r)
		}
	}
	if pw == "" || strings.ContainsAny(pw, "\r\n") {
		return fmt.Errorf("teammate %q: the password must be one non-empty line", id)
	}
	return nil
}

// ParseUsers reads the gateway's users: one "teammate:password" per line,
// blank lines and lines starting with # ignored. The teammate ID is what
// the phone registers as (sip:<teammate>@<domain>) and must be the
// engine's teammate ID. A malformed or repeated line is an error wrapping
// ErrInvalidConfig.
func ParseUsers(r io.Reader) (map[pb.TeammateID]string, error) {
	users := make(map[pb.TeammateID]string)
	sc := bufio.NewScanner(io.LimitReader(r, 1<<20))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, pw, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%w: users line %d: want teammate:password", ErrInvalidConfig, n)
		}
		if err := checkUser(id, pw); err != nil {
			return nil, fmt.Errorf("%w: users line %d: %w", ErrInvalidConfig, n, err)
		}
		if _, dup := users[pb.TeammateID(id)]; dup {
			return nil, fmt.Errorf("%w: users line %d: %q repeated", ErrInvalidConfig, n, id)
		}
		users[pb.TeammateID(id)] = pw
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: users: %w", ErrInvalidConfig, err)
	}
	return users, nil
}

// ReadUsersFile is [ParseUsers] on a file.
func ReadUsersFile(path string) (map[pb.TeammateID]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseUsers(f)
}

// ParseCallers parses a comma-separated list of networks and addresses
// ("10.0.0.0/8,192.0.2.10") for Config.Callers, as a -sip-callers flag
// gives it; an address alone is a network of one. An entry that does not
// parse is an error wrapping ErrInvalidConfig.
func ParseCallers(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%w: caller network %q", ErrInvalidConfig, f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
