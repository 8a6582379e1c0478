package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/core"
)

// joinCluster asks the node at joinAddr (an HTTP address) to add this
// node (raft ID self, the HTTP address; raft transport at raftAddr) to
// its cluster, with the cluster's admin token. A follower forwards the
// request to the leader. It retries for up to a minute while the cluster
// has no leader; a refusal (the token, or a join that could not work: the
// leader cannot reach raftAddr) ends it at once.
//
// joinAddr without a scheme is reached over HTTPS when this node serves
// HTTPS (the cluster's nodes do alike), verified with tlss.peer.
func joinCluster(ctx context.Context, joinAddr, token, self, raftAddr string, tlss tlsSetup, logger *slog.Logger) error {
	body, err := json.Marshal(api.JoinRequest{ID: self, RaftAddr: raftAddr})
	if err != nil {
		return err
	}
	base := joinAddr
	if !strings.Contains(base, "://") {
		base = tlss.scheme() + "://" + base
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlss.peer
	client := &http.Client{Timeout: 15 * time.Second, Transport: transport}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/cluster/join", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			switch {
			case resp.StatusCode == http.StatusOK:
				logger.Info("joined the cluster", "via", joinAddr, "id", self)
				return nil
			case resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusForbidden, resp.StatusCode == http.StatusBadRequest:
				return fmt.Errorf("join %s: %s: %s", joinAddr, resp.Status, bytes.TrimSpace(b))
			}
			last = fmt.Errorf("join %s: %s: %s", joinAddr, resp.Status, bytes.TrimSpace(b))
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cannot join the cluster: %w", last)
		case <-tick.C:
		}
	}
}

// reportUnreachable probes the other voters of the cluster (about two
// seconds at most) and logs, for each that does not answer, how to
// remove it if it is gone for good, and whether the cluster lacks the
// majority it needs to elect a leader.
func reportUnreachable(ctx context.Context, rt *core.Runtime, base string, logger *slog.Logger) {
	n := rt.Node()
	down := n.Unreachable(ctx)
	if len(down) == 0 {
		return
	}
	voters := 0
	for _, m := range n.Members() {
		if m.Voter {
			voters++
		}
	}
	for _, m := range down {
		logger.Warn("a voter of the cluster does not answer; if it is gone for good, remove it (on any node, while a majority answers)",
			"id", m.ID, "raft_addr", m.Addr,
			"remove_with", fmt.Sprintf(`curl -X POST -H "Authorization: Bearer $PHONEBALANCE_ADMIN_TOKEN" %s/v1/cluster/remove -d '{"id":%q}'`, base, m.ID))
	}
	if need := voters/2 + 1; voters-len(down) < need {
		logger.Warn("too few voters answer to elect a leader: bring back the ones that do not answer; writes wait until then",
			"answering", voters-len(down), "voters", voters, "needed", need)
	}
}
