// Command webhook is a small HTTP host for phonebalance, wired the way a
// CPaaS-webhook telephony backend wires it: the provider's webhooks (a call
// arrived, a teammate answered, declined or hung up) and the inbox's
// presence changes become JSON requests; each is one command on an
// assign.Live; the engine's effects (ring, stop ringing, deflect,
// reassign replies) go to a pluggable Telephony, and its events to a JSON
// lines log, per-call timelines and the live metrics dashboard.
//
//	go run .                          # 127.0.0.1:8080, a demo Support team
//	go run . -addr :9000 -events events.jsonl -demo=false
//
// It uses the standard library and phonebalance only. See README.md.
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
	"syscall"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/examples/webhook/host"
	"github.com/phonebalance/phonebalance/presence"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "webhook:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	addr        string
	events      string
	demo        bool
	ringTimeout time.Duration
	wrapUp      time.Duration
	composition bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("webhook", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&o.events, "events", "-", `file to append events to as JSON lines; "-" is standard output, "" none`)
	fs.BoolVar(&o.demo, "demo", true, "start with a Support team of three available teammates")
	fs.DurationVar(&o.ringTimeout, "ring-timeout", 30*time.Second, "how long a call rings a teammate before it is a miss")
	fs.DurationVar(&o.wrapUp, "wrap-up", 0, "wrap-up time after each call")
	fs.BoolVar(&o.composition, "composition", false, "log the team composition at every assignment")
	return o, fs.Parse(args)
}

// run serves until ctx is cancelled, then shuts down gracefully.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	var events io.Writer
	switch o.events {
	case "":
	case "-":
		events = stdout
	default:
		f, err := os.OpenFile(o.events, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		events = f
	}
	cfg := assign.DefaultConfig()
	cfg.RingTimeout, cfg.WrapUp, cfg.ShowTeamComposition = o.ringTimeout, o.wrapUp, o.composition
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	srv, err := host.New(host.Config{Engine: &cfg, Events: events, Logger: logger})
	if err != nil {
		return err
	}
	// Closed after the HTTP server has drained: the last deliveries reach
	// the log and the Telephony before run returns.
	defer srv.Close()

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	if o.demo {
		if err := seedDemo(srv); err != nil {
			ln.Close()
			return err
		}
	}
	printBanner(stderr, ln.Addr().String(), o.demo)
	return serve(ctx, ln, srv, logger)
}

// serve serves h on ln until ctx is cancelled, then stops accepting and
// waits up to 10 s for requests in flight.
func serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelError),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// The demo workspace.
var (
	demoTeam      pb.TeamID = "support"
	demoTeammates           = []struct {
		id   pb.TeammateID
		name string
	}{{"ana", "Ana"}, {"ben", "Ben"}, {"cleo", "Cleo"}}
)

// seedDemo adds the Support team and three available teammates, as a real
// host would load them from its database at start-up.
func seedDemo(srv *host.Server) error {
	return srv.Do(func(e *assign.Engine, now time.Time) error {
		if err := e.AddTeam(demoTeam, "Support", assign.TeamConfig{MaxQueue: 20}); err != nil {
			return err
		}
		for _, tm := range demoTeammates {
			st := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
			if err := e.AddTeammate(now, tm.id, tm.name, st); err != nil {
				return err
			}
			if err := e.AddMember(now, demoTeam, tm.id); err != nil {
				return err
			}
		}
		return nil
	})
}

func printBanner(w io.Writer, addr string, demo bool) {
	base := "http://" + addr
	fmt.Fprintf(w, "phonebalance webhook host listening on %s\n", base)
	if !demo {
		return
	}
	fmt.Fprintf(w, "Demo workspace: team %q (Support) with ana, ben and cleo, all available.\nTry:\n", demoTeam)
	for _, c := range []string{
		`curl -s -X POST ` + base + `/calls -d '{"id":"call-1","team":"support"}'`,
		`curl -s '` + base + `/calls/call-1/explain?format=text'`,
		`curl -s -X POST ` + base + `/calls/call-1/answer -d '{"teammate":"ana"}'`,
		`curl -s -X POST ` + base + `/calls/call-1/hangup`,
		`curl -s '` + base + `/calls/call-1/timeline?format=text'`,
		`curl -s ` + base + `/dashboard`,
	} {
		fmt.Fprintln(w, "  "+c)
	}
}
