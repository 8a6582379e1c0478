// Command phonebalanced is the phonebalance server a team deploys: the
// balanced-assignment engine behind an authenticated JSON API, durable in
// a data directory (a raft log and snapshots, and the event log as JSON
// lines), replicated over raft when one node is not enough, with
// Prometheus metrics at /metrics.
//
//	go run ./server/cmd/phonebalanced                 # 127.0.0.1:8080, data in ./phonebalance-data
//	go run ./server/cmd/phonebalanced -demo           # a Support team, simulated callers, the dashboard alive
//
// See server/README.md for the API, the flags and cluster mode.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/advice"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/telephony"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "events" { // phonebalanced events export: see events.go
		if err := eventsCommand(os.Args[2:], os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "phonebalanced:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 && (os.Args[1] == "backup" || os.Args[1] == "restore") { // backup.go, restore.go
		var err error
		if os.Args[1] == "backup" {
			err = backupCommand(ctx, os.Args[2:], os.Stdout, os.Stderr, os.Getenv)
		} else {
			err = restoreCommand(os.Args[2:], os.Stdout, os.Stderr)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "phonebalanced:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, os.Args[1:], os.Stderr, os.Getenv, wiring); err != nil {
		fmt.Fprintln(os.Stderr, "phonebalanced:", err)
		os.Exit(1)
	}
}

// config holds the command's flags.
type config struct {
	data        string
	http        string
	raft        string
	join        string
	demo        bool
	tokenFile   string
	adminFile   string
	ringTimeout time.Duration
	wrapUp      time.Duration
	maxConns    int
	rate        float64
	rateBurst   int

	demoRate float64
	demoSeed uint64

	slTarget float64
	slWithin time.Duration
	// eventRetention is how long stored events are kept.
	eventRetention time.Duration

	logFormat, logLevel string

	tlsCert, tlsKey, tlsCA             string
	raftTLSCert, raftTLSKey, raftTLSCA string
	behindTLSProxy                     bool

	sip, sipAdvertise, sipDomain, sipUsers, sipCallers, sipVoicemail string
	sipTCP, sipTLS, sipTLSCert, sipTLSKey                            string

	// The webhook telephony side.
	webhook           string
	webhookSecretFile string
	// The gateway's media (sipmedia.go).
	sipMedia                                           bool
	sipMediaIP, sipMediaAdvertise, holdMusic, sipTrunk string
	sipAnnounce                                        time.Duration
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("phonebalanced", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.data, "data", "./phonebalance-data", "data directory (created if missing): raft log, snapshots, events.db, token")
	fs.StringVar(&c.http, "http", "127.0.0.1:8080", "HTTP address to listen on; in cluster mode also this node's ID and where followers forward writes, so keep it fixed")
	fs.StringVar(&c.raft, "raft", "", "raft TCP address (cluster mode); without -join, this node starts a new cluster")
	fs.StringVar(&c.join, "join", "", "HTTP address of any node of the cluster to join (needs -raft); skipped when the data directory already makes this node a member")
	fs.BoolVar(&c.demo, "demo", false, "run a Support team with simulated callers and six simulated teammates (with -demo-rate 0: just a Support team with Ana, Ben and Cleo, no traffic; kept if present)")
	fs.Float64Var(&c.demoRate, "demo-rate", 360, "with -demo: simulated calls an hour (0: the demo team only, no traffic)")
	fs.Uint64Var(&c.demoSeed, "demo-seed", 1, "with -demo: the seed of the simulated traffic")
	fs.Float64Var(&c.slTarget, "sl-target", 0.8, "staffing advice: the fraction of calls to answer within -sl-within")
	fs.DurationVar(&c.slWithin, "sl-within", 20*time.Second, "staffing advice: the answer time of the service-level target")
	fs.DurationVar(&c.eventRetention, "event-retention", 90*24*time.Hour, "how long stored events are kept (pruned hourly; 0: for ever)")
	fs.StringVar(&c.sip, "sip", "", "UDP address of the SIP registrar and B2BUA (e.g. 127.0.0.1:5060); empty: no SIP")
	fs.StringVar(&c.sipAdvertise, "sip-advertise", "", "host:port phones and callers reach the SIP side at (needed when -sip listens on 0.0.0.0)")
	fs.StringVar(&c.sipDomain, "sip-domain", "phonebalance.local", "SIP domain: teammates register as sip:<teammate>@domain, callers dial sip:<team>@domain")
	fs.StringVar(&c.sipUsers, "sip-users", "", "file of teammate:password lines, the phones' digest credentials (required with -sip)")
	fs.StringVar(&c.sipCallers, "sip-callers", "", "comma-separated networks (CIDR) whose INVITEs need no authentication; empty: loopback only")
	fs.StringVar(&c.sipVoicemail, "sip-voicemail", "", "SIP URI deflected calls are redirected to (302); empty: a final response with the reason")
	fs.StringVar(&c.sipTCP, "sip-tcp", "", "TCP address SIP is also served on (e.g. 0.0.0.0:5060); empty: none")
	fs.StringVar(&c.sipTLS, "sip-tls", "", "TCP address SIP over TLS is served on (e.g. 0.0.0.0:5061), with -sip-tls-cert and -sip-tls-key; empty: none")
	fs.StringVar(&c.sipTLSCert, "sip-tls-cert", "", "PEM certificate (chain) of the -sip-tls listener")
	fs.StringVar(&c.sipTLSKey, "sip-tls-key", "", "PEM private key of the -sip-tls listener")
	fs.StringVar(&c.webhook, "webhook", "", "URL each effect is POSTed to as signed JSON (the telephony side for hosts not written in Go); needs -webhook-secret-file")
	fs.StringVar(&c.webhookSecretFile, "webhook-secret-file", "", "file holding the webhook signing secret (at least 16 bytes)")
	fs.BoolVar(&c.sipMedia, "sip-media", true, "answer queued SIP callers with hold music and announcements and relay their audio (RTP) to the teammate; false: signalling only, callers hear ringing")
	fs.StringVar(&c.sipMediaIP, "sip-media-ip", "", "IP address the RTP sockets bind; empty: the -sip listener's")
	fs.StringVar(&c.sipMediaAdvertise, "sip-media-advertise", "", "IP address put in the gateway's SDP; empty: the -sip-advertise host if an IP, else -sip-media-ip")
	fs.StringVar(&c.holdMusic, "hold-music", "", "hold music, a WAV file of 8 kHz mono 16-bit PCM or G.711; empty: the shipped loop")
	fs.DurationVar(&c.sipAnnounce, "sip-announce-every", 30*time.Second, "hold music between announcements of a caller's place in line and expected wait")
	fs.StringVar(&c.sipTrunk, "sip-trunk", "", "SIP URI (sip:host:port) callers who press 2 are dialled back through; empty: no callbacks")
	fs.StringVar(&c.tokenFile, "token-file", "", "file holding the API token (else $PHONEBALANCE_TOKEN, else <data>/token, generated)")
	fs.StringVar(&c.adminFile, "admin-token-file", "", "file holding the cluster's admin token, for membership and backups (else $PHONEBALANCE_ADMIN_TOKEN, else <data>/admin-token, generated); every node of a cluster uses the same")
	fs.DurationVar(&c.ringTimeout, "ring-timeout", 30*time.Second, "how long a call rings a teammate before it is a miss")
	fs.DurationVar(&c.wrapUp, "wrap-up", 0, "wrap-up time after each call")
	fs.IntVar(&c.maxConns, "max-conns", api.DefaultMaxConns, "most HTTP connections open at once")
	fs.Float64Var(&c.rate, "rate", 200, "requests per second one client IP may make on average (0: no limit)")
	fs.IntVar(&c.rateBurst, "rate-burst", 400, "requests one client IP may make in a burst")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text (key=value lines) or json (one object per line)")
	fs.StringVar(&c.logLevel, "log-level", "info", "least level logged: debug (every ring and request), info, warn or error")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate (chain) to serve HTTPS with, with -tls-key; re-read on SIGHUP and when the files change")
	fs.StringVar(&c.tlsKey, "tls-key", "", "PEM private key of -tls-cert")
	fs.StringVar(&c.tlsCA, "tls-ca", "", "with -tls-cert: PEM CA bundle that verifies the other nodes' HTTPS certificates (forwarded writes, -join); default the system's roots")
	fs.StringVar(&c.raftTLSCert, "raft-tls-cert", "", "PEM certificate of this node's raft transport (mutual TLS, with -raft-tls-key and -raft-tls-ca); it must name the host of -raft")
	fs.StringVar(&c.raftTLSKey, "raft-tls-key", "", "PEM private key of -raft-tls-cert")
	fs.StringVar(&c.raftTLSCA, "raft-tls-ca", "", "PEM CA bundle that verifies the other nodes' raft certificates, both ways")
	fs.BoolVar(&c.behindTLSProxy, "behind-tls-proxy", false, "a TLS-terminating proxy serves this server to browsers: mark the login cookie Secure on plain HTTP too")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if _, err := newLogger(io.Discard, c.logFormat, c.logLevel); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if c.join != "" && c.raft == "" {
		return c, errors.New("-join needs -raft")
	}
	if c.data == "" {
		return c, errors.New("-data is empty")
	}
	if err := checkTLSFlags(c); err != nil {
		return c, err
	}
	if c.rate < 0 || c.rateBurst < 1 || c.maxConns < 1 {
		return c, errors.New("-rate must be at least 0, -rate-burst and -max-conns at least 1")
	}
	if c.demoRate < 0 || c.demoRate > 36000 {
		return c, errors.New("-demo-rate must be between 0 and 36000 calls an hour")
	}
	if c.raft != "" {
		// In cluster mode the HTTP address is the node's ID and where the
		// others forward writes: it must name this host.
		host, _, err := net.SplitHostPort(c.http)
		if ip := net.ParseIP(host); err != nil || host == "" || (ip != nil && ip.IsUnspecified()) {
			return c, fmt.Errorf("-http %q: in cluster mode give this node's own address (host:port), not an unspecified one", c.http)
		}
	}
	return c, nil
}

// run serves until ctx is cancelled, then shuts down gracefully: the
// HTTP server drains, background parts stop, the node closes.
func run(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string, wire wireFunc) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	logger, err := newLogger(stderr, c.logFormat, c.logLevel)
	if err != nil {
		return err
	}
	opts, err := wire(c, logger)
	if err != nil {
		return err
	}
	tlss, err := loadTLS(c, logger)
	if err != nil {
		return err
	}
	ecfg := assign.DefaultConfig()
	ecfg.RingTimeout, ecfg.WrapUp = c.ringTimeout, c.wrapUp
	if err := ecfg.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return err
	}
	token, tokenWhere, err := loadToken(c.tokenFile, c.data, getenv)
	if err != nil {
		return err
	}
	auth, err := api.NewAuthenticator(token)
	if err != nil {
		return err
	}
	if c.join != "" && !adminTokenGiven(c.adminFile, c.data, getenv) {
		return errors.New("-join needs the cluster's admin token: give -admin-token-file or $PHONEBALANCE_ADMIN_TOKEN (the first node's is in its <data>/admin-token)")
	}
	adminToken, adminWhere, err := loadAdminToken(c.adminFile, c.data, getenv)
	if err != nil {
		return err
	}

	// Listen first: in cluster mode the bound HTTP address is the node's
	// raft ID.
	ln, err := net.Listen("tcp", c.http)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	rcfg := core.Config{Dir: c.data, Engine: ecfg, Logger: logger, EventRetention: c.eventRetention,
		Advice: advice.Config{Default: advice.Target{Within: c.slWithin, Fraction: c.slTarget}}}
	if c.raft != "" {
		rcfg.NodeID, rcfg.RaftAddr, rcfg.Bootstrap, rcfg.RaftTLS = addr, c.raft, c.join == "", tlss.raft
	}
	rt, err := core.Open(rcfg)
	if err != nil {
		ln.Close()
		return err
	}
	defer rt.Close()

	tel := telephony.Telephony(telephony.LogTelephony{Logger: logger})
	if opts.Telephony != nil {
		if tel, err = opts.Telephony(rt); err != nil {
			ln.Close()
			return err
		}
	}
	rt.SetTelephony(tel)

	acfg := api.Config{Runtime: rt, Token: token, AdminToken: adminToken, Logger: logger, LoginPath: opts.LoginPath,
		RatePerIP: c.rate, RateBurst: c.rateBurst, PeerTLS: tlss.peer, BackupDir: c.data, VoicemailDir: voicemailDir(c.data)}
	if tlss.cert != nil { // the other nodes serve HTTPS too
		acfg.LeaderURL = func(id string) (string, bool) {
			u, ok := api.LeaderURLFromID(id)
			return "https" + strings.TrimPrefix(u, "http"), ok
		}
	}
	if opts.Extra != nil {
		if acfg.Extra, err = opts.Extra(rt, auth); err != nil {
			ln.Close()
			return err
		}
	}
	if opts.Public != nil {
		if acfg.Public, err = opts.Public(rt, auth); err != nil {
			ln.Close()
			return err
		}
	}
	if opts.Sessions != nil {
		acfg.Sessions = opts.Sessions()
	}
	srv, err := api.New(acfg)
	if err != nil {
		ln.Close()
		return err
	}
	hs := api.NewHTTPServer(srv, logger)
	serveErr := make(chan error, 1)
	if tlss.cert != nil {
		hs.TLSConfig = tlss.cert.TLSConfig()
		go func() { serveErr <- hs.ServeTLS(api.LimitListener(ln, c.maxConns), "", "") }()
	} else {
		go func() { serveErr <- hs.Serve(api.LimitListener(ln, c.maxConns)) }()
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tlss.reloadOnHangup(ctx)
	bgErr := make(chan error, len(opts.Background))
	for _, bg := range opts.Background {
		go func() { bgErr <- bg(ctx, rt) }()
	}
	running := len(opts.Background) // background parts yet to return
	err = start(ctx, c, rt, adminToken, addr, tlss, logger)
	if err == nil {
		printBanner(stderr, tlss.scheme()+"://"+addr, c, tokenWhere, adminWhere)
		select {
		case err = <-serveErr:
		case err = <-bgErr: // a part that stopped, or saw a signal's cancel first
			running--
			if ctx.Err() != nil && errors.Is(err, context.Canceled) {
				err = nil
			}
		case <-ctx.Done():
		}
	}
	logger.Info("shutting down")
	cancel()
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if serr := hs.Shutdown(sctx); err == nil {
		err = serr
	}
	for ; running > 0; running-- {
		if berr := <-bgErr; err == nil && berr != nil && !errors.Is(berr, context.Canceled) {
			err = berr
		}
	}
	if cerr := rt.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// start joins the cluster (with -join, unless the data directory already
// makes this node a member, so that a member restarts with its usual
// command line whatever the state of the node -join names), says which
// voters do not answer (cluster mode), and seeds the demo team (with
// -demo and no demo traffic, on the leader).
func start(ctx context.Context, c config, rt *core.Runtime, adminToken, addr string, tlss tlsSetup, logger *slog.Logger) error {
	if c.raft == "" {
		if err := waitLeader(ctx, rt); err != nil {
			return err
		}
	}
	member := c.raft != "" && rt.Node().IsMember()
	if c.join != "" {
		if member {
			logger.Info("already a member of the cluster: -join skipped", "join", c.join, "id", addr)
		} else if err := joinCluster(ctx, c.join, adminToken, addr, rt.Node().Addr(), tlss, logger); err != nil {
			return err
		}
	}
	if member {
		reportUnreachable(ctx, rt, tlss.scheme()+"://"+addr, logger)
	}
	// With traffic the demo adds its own team and teammates (the ones it
	// plays); without, the demo team is seeded here.
	if c.demo && c.join == "" && c.demoRate == 0 {
		if err := seedDemo(ctx, rt); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

func printBanner(w io.Writer, base string, c config, tokenWhere, adminWhere string) {
	data, _ := filepath.Abs(c.data)
	fmt.Fprintf(w, "phonebalanced listening on %s\n", base)
	fmt.Fprintf(w, "data directory: %s\n", data)
	fmt.Fprintf(w, "API token (the default workspace's host): %s\n", tokenWhere)
	fmt.Fprintf(w, "admin token (membership, workspaces, backups, every workspace's /metrics; no workspace's API): %s\n", adminWhere)
	fmt.Fprintf(w, "dashboard: %s/ (log in with the token)\n", base)
	fmt.Fprintf(w, "teammate inbox: %s/inbox/login (with -demo: teammate \"you\", password in the log line below; else set one with the PUT below)\n", base)
	auth := `-H "Authorization: Bearer $PHONEBALANCE_TOKEN"`
	fmt.Fprintln(w, "Try:")
	for _, cmd := range []string{
		`curl -s ` + auth + ` -X POST ` + base + `/v1/workspaces/default/calls -d '{"id":"call-1","team":"support"}'`,
		`curl -s ` + auth + ` '` + base + `/v1/workspaces/default/calls/call-1/explain?format=text'`,
		`curl -s ` + auth + ` ` + base + `/v1/workspaces/default/dashboard`,
		`curl -s ` + auth + ` ` + base + `/metrics`,
		`curl -s ` + auth + ` -X PUT ` + base + `/v1/workspaces/default/teammates/ana/credential -d '{"password":"choose-a-password","role":"teammate"}'`,
		`curl -s -H "Authorization: Bearer $PHONEBALANCE_ADMIN_TOKEN" -X POST ` + base + `/v1/workspaces -d '{"id":"acme"}'`,
	} {
		fmt.Fprintln(w, "  "+cmd)
	}
}
