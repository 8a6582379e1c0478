package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/sip"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// inprocLauncher runs each node inside this process: the runtime, the
// HTTP API and (with sip) the SIP gateway, as phonebalanced wires them but
// without its dashboard. One CPU profile (-cpuprofile) then covers the
// server, and the smoke test needs no build.
type inprocLauncher struct{ tok string }

func (p inprocLauncher) token() string { return p.tok }

type inprocNode struct {
	rt    *core.Runtime
	hs    *http.Server
	gw    *sip.Gateway
	base  string
	serve chan error
}

func (p inprocLauncher) start(ctx context.Context, s nodeSpec) (node, error) {
	ln, err := net.Listen("tcp", s.host+":0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	cfg := core.Config{Dir: s.dir, Engine: assign.DefaultConfig(), Logger: quietLogger()}
	if s.cluster {
		cfg.NodeID, cfg.RaftAddr, cfg.Bootstrap = addr, s.host+":0", s.join == ""
	}
	rt, err := core.Open(cfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	n := &inprocNode{rt: rt, base: "http://" + addr, serve: make(chan error, 1)}
	tel := telephony.Telephony(telephony.LogTelephony{Logger: quietLogger()})
	if s.sip != nil {
		users, err := sip.ReadUsersFile(s.sip.usersFile)
		if err == nil {
			n.gw, err = sip.New(sip.Config{Listen: s.sip.listen, Domain: sipDomain, Users: users,
				Node: rt.Node(), Workspace: core.DefaultWorkspace, Logger: quietLogger()})
		}
		if err == nil {
			err = n.gw.Start(ctx)
		}
		if err != nil {
			ln.Close()
			n.close()
			return nil, err
		}
		tel = n.gw
	}
	rt.SetTelephony(tel)
	srv, err := api.New(api.Config{Runtime: rt, Token: p.tok, AdminToken: adminToken(p.tok), Logger: quietLogger()})
	if err != nil {
		ln.Close()
		n.close()
		return nil, err
	}
	n.hs = api.NewHTTPServer(srv, quietLogger())
	go func() { n.serve <- n.hs.Serve(ln) }()

	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if s.join != "" {
		body, _ := json.Marshal(api.JoinRequest{ID: addr, RaftAddr: rt.Node().Addr()})
		d := httpDriver{base: "http://" + s.join, token: adminToken(p.tok), client: &http.Client{Timeout: 15 * time.Second}}
		for {
			_, err := d.send(wctx, "POST", "/v1/cluster/join", string(body), http.StatusOK)
			if err == nil {
				return n, nil
			}
			if werr := pause(wctx, 100*time.Millisecond); werr != nil {
				n.close()
				return nil, fmt.Errorf("join %s: %w", s.join, err)
			}
		}
	}
	if err := waitLeads(wctx, rt.Node().IsLeader); err != nil {
		n.close()
		return nil, err
	}
	return n, nil
}

// waitLeads waits up to 30 s (or ctx's end) for leads to report true,
// polling every 10 ms; a node alone elects itself within a second or two.
func waitLeads(ctx context.Context, leads func() bool) error {
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for !leads() {
		if err := pause(wctx, 10*time.Millisecond); err != nil {
			return errors.New("the node never led")
		}
	}
	return nil
}

// pause waits d, or returns ctx's error if it ends first.
func pause(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func (n *inprocNode) url() string { return n.base }
func (n *inprocNode) rss() int64  { return rssOf("self") }
func (n *inprocNode) cpu() time.Duration {
	return 0
}

func (n *inprocNode) close() error {
	var errs []error
	if n.hs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, n.hs.Shutdown(ctx))
		cancel()
	}
	if n.gw != nil {
		errs = append(errs, n.gw.Close())
	}
	errs = append(errs, n.rt.Close())
	return errors.Join(errs...)
}
