package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/httpedge"
	"github.com/phonebalance/phonebalance/server/inbox"
)

// demoInboxTeammate is the teammate a person signs in as with -demo: a
// member of the demo team whose phone client is their inbox tab.
const demoInboxTeammate pb.TeammateID = "you"

// mountInbox serves the teammate's inbox of every workspace next to the
// dashboard: its page, stream and actions (each checking a teammate
// session, which names its workspace), the teammate sign-in on POST
// /login (the dashboard's token login for a form without a teammate), and
// the credential endpoints behind the API's authentication. With -demo it adds the teammate "you" to the demo team
// with a random password it logs. With phone, the page carries the call's
// audio, handed over by the SIP gateway (see browserPhone).
func mountInbox(opts *Options, c config, logger *slog.Logger, phone *browserPhone) {
	var ib *inbox.Server
	build := func(rt *core.Runtime) error {
		if ib != nil {
			return nil
		}
		var err error
		cfg := inbox.Config{Runtime: rt, Meta: rt.Node(), Logger: logger}
		if phone != nil {
			cfg.CallAudio = phone.callerAudio
		}
		ib, err = inbox.New(cfg)
		if err == nil && phone != nil {
			phone.ib.Store(ib)
		}
		return err
	}
	opts.Extra = withRoutes(opts.Extra, func(rt *core.Runtime, m map[string]http.Handler) error {
		if err := build(rt); err != nil {
			return err
		}
		maps.Copy(m, ib.Protected())
		return nil
	})
	opts.Public = withRoutes(opts.Public, func(rt *core.Runtime, m map[string]http.Handler) error {
		if err := build(rt); err != nil {
			return err
		}
		maps.Copy(m, ib.Public(m["POST /login"]))
		return nil
	})
	opts.Sessions = func() httpedge.Verifier { return ib.Sessions() }
	opts.Background = append(opts.Background, func(ctx context.Context, rt *core.Runtime) error {
		if c.demo && c.join == "" {
			if err := seedInboxDemo(ctx, rt, ib, logger); err != nil {
				logger.Warn("demo: the inbox teammate was not added", "err", err)
			}
		}
		<-ctx.Done()
		if ib != nil {
			ib.Close()
		}
		return ctx.Err()
	})
}

// routesFunc builds handlers by http.ServeMux pattern (Options.Extra,
// Options.Public).
type routesFunc = func(rt *core.Runtime, auth *api.Authenticator) (map[string]http.Handler, error)

// withRoutes returns prev (none if nil) with add's handlers over the ones
// it built: add sees prev's in m and puts its own there.
func withRoutes(prev routesFunc, add func(rt *core.Runtime, m map[string]http.Handler) error) routesFunc {
	return func(rt *core.Runtime, auth *api.Authenticator) (map[string]http.Handler, error) {
		m := map[string]http.Handler{}
		if prev != nil {
			var err error
			if m, err = prev(rt, auth); err != nil {
				return nil, err
			}
		}
		if err := add(rt, m); err != nil {
			return nil, err
		}
		return m, nil
	}
}

// seedInboxDemo adds "you" to the demo team of the default workspace (the
// demo's), once the team exists, with
// the phone client closed until a tab opens, and gives them a fresh
// random password, logged for the person running the demo.
func seedInboxDemo(ctx context.Context, rt *core.Runtime, ib *inbox.Server, logger *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		var ok bool
		_, _ = rt.Default().View(func(e *assign.Engine) { _, _, ok = e.TeamCounts(demoTeam) })
		if ok {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	st := presence.State{Channel: presence.ChannelAll, Status: presence.Active}
	for _, cmd := range []assign.Command{
		{Op: assign.OpAddTeammate, Teammate: demoInboxTeammate, Name: "You", Presence: st},
		{Op: assign.OpAddMember, Team: demoTeam, Teammate: demoInboxTeammate},
	} {
		if _, err := doOnLeader(ctx, rt, cmd); err != nil && !errors.Is(err, assign.ErrDuplicateTeammate) &&
			!errors.Is(err, assign.ErrDuplicateMember) {
			return err
		}
	}
	var raw [6]byte
	_, _ = rand.Read(raw[:])
	pw := hex.EncodeToString(raw[:])
	cred, err := inbox.NewCredential("teammate", pw)
	if err != nil {
		return err
	}
	if err := ib.Credentials(core.DefaultWorkspace).Set(ctx, string(demoInboxTeammate), cred); err != nil {
		return err
	}
	logger.Info("demo: sign in to the teammate inbox at /inbox/login", "teammate", demoInboxTeammate, "password", pw)
	return nil
}
