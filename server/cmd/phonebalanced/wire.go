package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/dashboard"
	"github.com/phonebalance/phonebalance/server/demo"
	"github.com/phonebalance/phonebalance/server/httpedge"
	"github.com/phonebalance/phonebalance/server/sip"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// Options are the places where the server's other parts are wired in:
// the telephony side, handlers mounted next to the API, and parts that
// run alongside it. Every field is optional.
type Options struct {
	// Telephony builds the telephony side once the node is open; it may
	// keep rt to submit commands (rt.Do, rt.Node()). Nil means
	// telephony.LogTelephony. Deliveries made before it returns are held,
	// not lost.
	Telephony func(rt *core.Runtime) (telephony.Telephony, error)
	// Extra builds handlers mounted BEHIND the authentication, by
	// http.ServeMux pattern: the dashboard page at "GET /", its SSE
	// stream. An SSE handler must extend its write deadline per write
	// (http.ResponseController.SetWriteDeadline): the server's
	// WriteTimeout is api.WriteTimeout.
	Extra func(rt *core.Runtime, auth *api.Authenticator) (map[string]http.Handler, error)
	// Public builds handlers mounted WITHOUT authentication: the login
	// form ("GET /login") and its post ("POST /login", which checks the
	// token with auth.Valid and sets the cookie with
	// httpedge.SetLoginCookie).
	Public func(rt *core.Runtime, auth *api.Authenticator) (map[string]http.Handler, error)
	// Sessions returns, once Extra and Public are built, the verifier of
	// the sign-in sessions the API also accepts (api.Config.Sessions): the
	// inbox's, so a supervisor's session opens the wallboard. Nil: none.
	Sessions func() httpedge.Verifier
	// LoginPath is where a browser without credentials is redirected when
	// it GETs a page; empty answers 401.
	LoginPath string
	// Background parts run until ctx is cancelled (a SIP listener, demo
	// traffic); one returning an error other than context.Canceled stops
	// the server.
	Background []func(ctx context.Context, rt *core.Runtime) error
}

// wireFunc builds the server's parts from its flags.
type wireFunc func(c config, logger *slog.Logger) (Options, error)

// fixed returns a wireFunc that ignores the flags (tests plug in parts of
// their own).
func fixed(o Options) wireFunc {
	return func(config, *slog.Logger) (Options, error) { return o, nil }
}

// wiring returns the server's parts: the live dashboard at "/" (always),
// the SIP registrar and B2BUA as the telephony side with -sip, and the
// simulated callers and teammates as the telephony side with -demo (a
// -demo-rate above 0).
func wiring(c config, logger *slog.Logger) (Options, error) {
	var opts Options
	mountDashboard(&opts, logger, c.behindTLSProxy)
	phone := newBrowserPhone(c)
	mountInbox(&opts, c, logger, phone)
	switch {
	case c.sip != "" && c.demo && c.demoRate > 0:
		return opts, errors.New("-sip and -demo's simulated traffic both want to be the telephony side: add -demo-rate 0 to keep the demo team without traffic")
	case c.sip != "":
		if err := wireSIP(&opts, c, logger, phone); err != nil {
			return opts, err
		}
	case c.demo && c.demoRate > 0:
		if err := wireDemo(&opts, c, logger); err != nil {
			return opts, err
		}
	}
	if c.webhook != "" || c.webhookSecretFile != "" {
		if opts.Telephony != nil {
			return opts, errors.New("-webhook is a telephony side of its own: drop -sip or -demo's traffic")
		}
		if err := wireWebhook(&opts, c, logger); err != nil {
			return opts, err
		}
	}
	return opts, nil
}

// wireWebhook makes the webhook the telephony side: each effect POSTed,
// signed, to -webhook.
func wireWebhook(opts *Options, c config, logger *slog.Logger) error {
	if c.webhook == "" || c.webhookSecretFile == "" {
		return errors.New("-webhook and -webhook-secret-file go together")
	}
	secret, err := os.ReadFile(c.webhookSecretFile)
	if err != nil {
		return fmt.Errorf("-webhook-secret-file: %w", err)
	}
	w, err := telephony.NewWebhook(telephony.WebhookConfig{URL: c.webhook, Secret: bytes.TrimSpace(secret), Logger: logger})
	if err != nil {
		return err
	}
	opts.Telephony = func(*core.Runtime) (telephony.Telephony, error) { return w, nil }
	return nil
}

// mountDashboard serves the wallboard of every workspace (newBoards):
// its page, stream and actions behind the authentication, dispatched by
// the workspace of the credential (a workspace's host token, or the login
// cookie carrying it); its login form and static files before it. Each
// workspace's board is built on its first use and notified by the
// workspace's subscription (which never holds up the log) until shutdown.
// With secureCookie (a TLS proxy in front) the login cookie is Secure on
// plain HTTP too; over TLS it always is.
func mountDashboard(opts *Options, logger *slog.Logger, secureCookie bool) {
	var boards *dashboard.Boards
	build := func(rt *core.Runtime, auth *api.Authenticator) error {
		if boards != nil {
			return nil
		}
		var err error
		boards, err = newBoards(rt, auth, logger, secureCookie)
		return err
	}
	opts.LoginPath = "/login"
	opts.Extra = func(rt *core.Runtime, auth *api.Authenticator) (map[string]http.Handler, error) {
		if err := build(rt, auth); err != nil {
			return nil, err
		}
		_, protected := boards.Handlers()
		return protected, nil
	}
	opts.Public = func(rt *core.Runtime, auth *api.Authenticator) (map[string]http.Handler, error) {
		if err := build(rt, auth); err != nil {
			return nil, err
		}
		public, _ := boards.Handlers()
		return public, nil
	}
	opts.Background = append(opts.Background, func(ctx context.Context, _ *core.Runtime) error {
		<-ctx.Done()
		if boards != nil {
			_ = boards.Close()
		}
		return ctx.Err()
	})
}

// wireSIP makes the SIP gateway the telephony side and closes it at
// shutdown; with phone (-sip-media), the inbox page is a teammate's other
// client (see browserPhone).
func wireSIP(opts *Options, c config, logger *slog.Logger, phone *browserPhone) error {
	if c.sipUsers == "" {
		return errors.New("-sip needs -sip-users FILE (teammate:password per line)")
	}
	users, err := sip.ReadUsersFile(c.sipUsers)
	if err != nil {
		return err
	}
	callers, err := sip.ParseCallers(c.sipCallers)
	if err != nil {
		return err
	}
	var tlsConf *tls.Config
	if c.sipTLS != "" {
		cert, err := tls.LoadX509KeyPair(c.sipTLSCert, c.sipTLSKey)
		if err != nil {
			return fmt.Errorf("-sip-tls needs -sip-tls-cert and -sip-tls-key: %w", err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	var gw *sip.Gateway
	opts.Telephony = func(rt *core.Runtime) (telephony.Telephony, error) {
		mc, err := sipMedia(c, rt)
		if err != nil {
			return nil, err
		}
		var other func(pb.TeammateID) bool
		if phone != nil {
			other = phone.clientOpen
		}
		gw, err = sip.New(sip.Config{
			Media: mc, OtherClient: other,
			Listen: c.sip, Advertise: c.sipAdvertise, Domain: c.sipDomain,
			Users: users, Callers: callers, VoicemailURI: c.sipVoicemail,
			ListenTCP: c.sipTCP, ListenTLS: c.sipTLS, TLS: tlsConf,
			Node: rt.Node(), Workspace: core.DefaultWorkspace, Logger: logger,
		})
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := gw.Start(ctx); err != nil {
			return nil, fmt.Errorf("sip: %w", err)
		}
		attrs := []any{"udp", gw.Addr().String(), "domain", c.sipDomain}
		if a := gw.TCPAddr(); a.IsValid() {
			attrs = append(attrs, "tcp", a.String())
		}
		if a := gw.TLSAddr(); a.IsValid() {
			attrs = append(attrs, "tls", a.String())
		}
		logger.Info("SIP registrar and B2BUA listening", attrs...)
		if phone != nil {
			phone.gw.Store(gw)
		}
		return telephony.OnlyWorkspace(core.DefaultWorkspace, gw, logger), nil
	}
	opts.Background = append(opts.Background, func(ctx context.Context, _ *core.Runtime) error {
		<-ctx.Done()
		if gw != nil {
			if err := gw.Close(); err != nil {
				return err
			}
		}
		return ctx.Err()
	})
	return nil
}

// wireDemo makes the simulated callers and teammates the telephony side
// and runs them until shutdown.
func wireDemo(opts *Options, c config, logger *slog.Logger) error {
	cfg := demo.DefaultConfig()
	cfg.Rate, cfg.Seed, cfg.Logger = c.demoRate, c.demoSeed, logger
	dm, err := demo.New(cfg)
	if err != nil {
		return err
	}
	opts.Telephony = func(*core.Runtime) (telephony.Telephony, error) {
		return telephony.OnlyWorkspace(core.DefaultWorkspace, dm, logger), nil
	}
	opts.Background = append(opts.Background, func(ctx context.Context, rt *core.Runtime) error {
		if err := dm.Run(ctx, rt.Node()); err != nil {
			return err
		}
		return ctx.Err()
	})
	return nil
}
