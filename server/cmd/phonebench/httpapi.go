package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// ws is the prefix of the server's workspace's routes.
const ws = "/v1/workspaces/default"

// httpDriver submits the mix to the HTTP API as a client would: JSON
// bodies, the token on every request, keep-alive connections.
type httpDriver struct {
	base, token string
	client      *http.Client
}

func newHTTPDriver(base, token string, clients int) httpDriver {
	tr := &http.Transport{MaxIdleConns: 2 * clients, MaxIdleConnsPerHost: 2 * clients, IdleConnTimeout: time.Minute}
	return httpDriver{base: base, token: token, client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (d httpDriver) close() { d.client.CloseIdleConnections() }

// send makes one request and returns the body of an answer with status
// want; any other answer is an error naming the status and the body.
// Writes sent to a follower follow its 307 to the leader.
func (d httpDriver) send(ctx context.Context, method, path, body string, want int) ([]byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+d.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	return b, nil
}

func (d httpDriver) addTeam(ctx context.Context, team string) error {
	_, err := d.send(ctx, "POST", ws+"/teams", `{"id":"`+team+`","name":"`+team+`"}`, http.StatusCreated)
	return err
}

func (d httpDriver) addTeammate(ctx context.Context, tm string) error {
	_, err := d.send(ctx, "POST", ws+"/teammates", `{"id":"`+tm+`","name":"`+tm+`"}`, http.StatusCreated)
	return err
}

func (d httpDriver) addMember(ctx context.Context, team, tm string) error {
	_, err := d.send(ctx, "POST", ws+"/teams/"+team+"/members", `{"teammate":"`+tm+`"}`, http.StatusCreated)
	return err
}

func (d httpDriver) arrive(ctx context.Context, call, team string) (string, error) {
	b, err := d.send(ctx, "POST", ws+"/calls", `{"id":"`+call+`","team":"`+team+`"}`, http.StatusCreated)
	if err != nil {
		return "", err
	}
	var res struct {
		Effects []struct {
			Kind     string `json:"kind"`
			Teammate string `json:"teammate"`
		} `json:"effects"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return "", fmt.Errorf("POST /calls: %w", err)
	}
	for _, ef := range res.Effects {
		if ef.Kind == "ring" {
			return ef.Teammate, nil
		}
	}
	return "", nil
}

func (d httpDriver) answer(ctx context.Context, call, tm string) error {
	_, err := d.send(ctx, "POST", ws+"/calls/"+call+"/answer", `{"teammate":"`+tm+`"}`, http.StatusOK)
	return err
}

func (d httpDriver) end(ctx context.Context, call string) error {
	_, err := d.send(ctx, "POST", ws+"/calls/"+call+"/end", "", http.StatusOK)
	return err
}

func (d httpDriver) setStatus(ctx context.Context, tm string, away bool) error {
	body := `{"status":"Active"}`
	if away {
		body = `{"status":"Away","reason":"break"}`
	}
	_, err := d.send(ctx, "PUT", ws+"/teammates/"+tm+"/status", body, http.StatusOK)
	return err
}

// leaderURL asks the node at base which node leads and returns the
// leader's HTTP base URL (a node's raft ID is its HTTP address).
func leaderURL(ctx context.Context, base, token string) (string, error) {
	d := httpDriver{base: base, token: token, client: &http.Client{Timeout: 10 * time.Second}}
	for {
		b, err := d.send(ctx, "GET", "/v1/cluster", "", http.StatusOK)
		if err == nil {
			var c struct {
				LeaderID string `json:"leader_id"`
			}
			if err = json.Unmarshal(b, &c); err == nil && c.LeaderID != "" {
				return "http://" + c.LeaderID, nil
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("no leader at %s: %v", base, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// runHTTP measures the HTTP API of a cluster of size nodes (1 or 3)
// started by lc in directories under dir, the mix sent by l.clients
// clients to the leader. It returns the tally and the leader's resident
// memory at the end of the run.
func runHTTP(ctx context.Context, lc launcher, dir string, size int, l load) (tally, int64, error) {
	nodes, err := startCluster(ctx, lc, dir, size, nil)
	defer closeAll(nodes)
	if err != nil {
		return tally{}, 0, err
	}
	base := nodes[0].url()
	if size > 1 {
		lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		base, err = leaderURL(lctx, base, lc.token())
		cancel()
		if err != nil {
			return tally{}, 0, err
		}
	}
	d := newHTTPDriver(base, lc.token(), l.clients)
	defer d.close()
	if err := setupMix(ctx, d, l.clients); err != nil {
		return tally{}, 0, err
	}
	t := runMix(ctx, d, l)
	var rss int64
	for _, n := range nodes {
		if n.url() == base {
			rss = n.rss()
		}
	}
	return t, rss, nil
}
