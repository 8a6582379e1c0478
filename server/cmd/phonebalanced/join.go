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
)

// joinCluster asks the node at joinAddr (an HTTP address) to add this
// node (raft ID self, the HTTP address; raft transport at raftAddr) to
// its cluster. A follower redirects the request to the leader. It retries
// for up to a minute while the cluster has no leader.
func joinCluster(ctx context.Context, joinAddr, token, self, raftAddr string, logger *slog.Logger) error {
	body, err := json.Marshal(api.JoinRequest{ID: self, RaftAddr: raftAddr})
	if err != nil {
		return err
	}
	base := joinAddr
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	client := &http.Client{Timeout: 15 * time.Second}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/cluster/join", bytes.NewReader(body))
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
			case resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusBadRequest:
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
